// Which instruction-set variant of the matmul kernels this process runs. Every variant is compiled
// into the one binary (each in its own file with its own -m flags, see kernels.cmake); the CPU's
// features, read once at run time, decide which one may run, and TESSERA_KERNELS can force a
// lower one (or the f32 reference) for tests and comparisons.
#pragma once

namespace tessera::kernels {

// Ordered from least to most capable; a variant never runs on a CPU without its features.
enum class KernelIsa {
  kReference,   // decode each weight row to f32 and dot in f32 (the yardstick; no integers)
  kScalar,      // plain C++ integer kernels: the quantized-activation math of the SIMD variants
  kAvx2,        // AVX2 + FMA + F16C: vpmaddwd
  kAvxVnni,     // AVX2 + AVX-VNNI: 256-bit vpdpwssd
  kAvx512,      // AVX-512 F/BW/VL: 512-bit vpmaddwd
  kAvx512Vnni,  // AVX-512 F/BW/VL + VNNI: 512-bit vpdpwssd
};

// Feature bits of the running CPU (and OS: AVX state enabled in XCR0).
struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx_vnni = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512_vnni = false;
};

const CpuFeatures& cpu_features();

// Whether `isa` was compiled in and the CPU can run it. kReference and kScalar always can.
bool isa_supported(KernelIsa isa);
// The most capable supported variant.
KernelIsa best_isa();
// The variant `kernels::matmul` uses: best_isa(), unless TESSERA_KERNELS names another
// (reference, scalar, avx2, avxvnni, avx512, avx512vnni, auto). A named variant the CPU lacks
// falls back to best_isa() with a warning on stderr. Read once per process.
KernelIsa selected_isa();
const char* isa_name(KernelIsa isa);

// What the K-quant weights (Q4_K, Q6_K) meet: int8 activations (ActBlock8: one vpmaddubsw per 32
// products, as llama.cpp's Q8_K does; the default) or int16 (ActBlock256: ~260× finer steps, the
// exact path, about 0.7× the decode speed). int8 agrees with the NumPy oracle exactly as well as
// llama.cpp's own path on the same files (tests/reference/test_llama_forward.py). Other weight
// types are unaffected: Q8_0/Q4_0 always use int16, float weights f32.
// TESSERA_ACTIVATIONS=int8|int16 chooses; read once per process, a bad value warns and keeps the
// default.
enum class ActivationPrecision { kInt8, kInt16 };
ActivationPrecision selected_activations();
const char* activation_precision_name(ActivationPrecision precision);

}  // namespace tessera::kernels
