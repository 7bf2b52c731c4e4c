#include "kernels/cpu/cpu_features.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace tessera::kernels {
namespace {

#if defined(__x86_64__)
// CPUID bits that GCC 12 / Clang 14's __builtin_cpu_supports do not both know (Intel SDM vol. 2A,
// CPUID): leaf 1 ECX bit 29 = F16C; leaf 7 sub-leaf 1 EAX bit 4 = AVX-VNNI.
constexpr unsigned kLeaf1EcxF16c = 1u << 29;
constexpr unsigned kLeaf7Sub1EaxAvxVnni = 1u << 4;

CpuFeatures detect() {
  __builtin_cpu_init();
  CpuFeatures f;
  // __builtin_cpu_supports reports AVX/AVX-512 features only when the OS saves their registers.
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.avx512f = __builtin_cpu_supports("avx512f");
  f.avx512bw = __builtin_cpu_supports("avx512bw");
  f.avx512vl = __builtin_cpu_supports("avx512vl");
  f.avx512_vnni = __builtin_cpu_supports("avx512vnni");
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  // F16C and AVX-VNNI use the YMM state, so they count only where AVX2 (OS-checked) does.
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) f.f16c = f.avx2 && (ecx & kLeaf1EcxF16c) != 0;
  if (__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) {
    f.avx_vnni = f.avx2 && (eax & kLeaf7Sub1EaxAvxVnni) != 0;
  }
  return f;
}
#else
CpuFeatures detect() { return {}; }
#endif

struct IsaName {
  KernelIsa isa;
  const char* name;
};
constexpr IsaName kIsaNames[] = {
    {KernelIsa::kReference, "reference"}, {KernelIsa::kScalar, "scalar"},
    {KernelIsa::kAvx2, "avx2"},           {KernelIsa::kAvxVnni, "avxvnni"},
    {KernelIsa::kAvx512, "avx512"},       {KernelIsa::kAvx512Vnni, "avx512vnni"},
};

KernelIsa select_from_env() {
  const char* env = std::getenv("TESSERA_KERNELS");
  if (env == nullptr || *env == '\0' || std::strcmp(env, "auto") == 0) return best_isa();
  for (const IsaName& entry : kIsaNames) {
    if (std::strcmp(env, entry.name) != 0) continue;
    if (isa_supported(entry.isa)) return entry.isa;
    std::fprintf(stderr, "warning: TESSERA_KERNELS=%s: this CPU cannot run it; using %s\n", env,
                 isa_name(best_isa()));
    return best_isa();
  }
  std::fprintf(stderr,
               "warning: TESSERA_KERNELS=%s is not one of reference, scalar, avx2, avxvnni, "
               "avx512, avx512vnni, auto; using %s\n",
               env, isa_name(best_isa()));
  return best_isa();
}

ActivationPrecision activations_from_env() {
  const char* env = std::getenv("TESSERA_ACTIVATIONS");
  if (env == nullptr || *env == '\0' || std::strcmp(env, "int8") == 0) {
    return ActivationPrecision::kInt8;
  }
  if (std::strcmp(env, "int16") == 0) return ActivationPrecision::kInt16;
  std::fprintf(stderr, "warning: TESSERA_ACTIVATIONS=%s is not int8 or int16; using int8\n", env);
  return ActivationPrecision::kInt8;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

bool isa_supported(KernelIsa isa) {
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  const bool avx512 = avx2 && f.avx512f && f.avx512bw && f.avx512vl;
  switch (isa) {
    case KernelIsa::kReference:
    case KernelIsa::kScalar:
      return true;
    case KernelIsa::kAvx2:
      return avx2;
    case KernelIsa::kAvxVnni:
      return avx2 && f.avx_vnni;
    case KernelIsa::kAvx512:
      return avx512;
    case KernelIsa::kAvx512Vnni:
      return avx512 && f.avx512_vnni;
  }
  return false;
}

KernelIsa best_isa() {
  static const KernelIsa best = [] {
    constexpr KernelIsa kMostCapableFirst[] = {KernelIsa::kAvx512Vnni, KernelIsa::kAvx512,
                                               KernelIsa::kAvxVnni, KernelIsa::kAvx2};
    for (KernelIsa isa : kMostCapableFirst) {
      if (isa_supported(isa)) return isa;
    }
    return KernelIsa::kScalar;
  }();
  return best;
}

KernelIsa selected_isa() {
  static const KernelIsa selected = select_from_env();
  return selected;
}

ActivationPrecision selected_activations() {
  static const ActivationPrecision selected = activations_from_env();
  return selected;
}

const char* activation_precision_name(ActivationPrecision precision) {
  return precision == ActivationPrecision::kInt8 ? "int8" : "int16";
}

const char* isa_name(KernelIsa isa) {
  for (const IsaName& entry : kIsaNames) {
    if (entry.isa == isa) return entry.name;
  }
  return "unknown";
}

}  // namespace tessera::kernels
