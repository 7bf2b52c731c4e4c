// How much scratch the ops that need it may use: a contract between models (which lay out their
// workspace, src/models/forward_workspace.h), the footprint (which counts it) and each backend
// (which must fit its kernels inside; the CPU backend checks at build time where it can). Sized
// for the widest current implementation, so a new backend only has to stay inside.
#pragma once

#include <cstdint>

namespace tessera {

// matmul: activations quantized to int16 blocks, 548 bytes per 256 inputs (and per 32 × 8).
inline uint64_t matmul_staging_bytes(int64_t tokens, int64_t in) {
  return static_cast<uint64_t>(tokens) * static_cast<uint64_t>((in + 255) / 256) * 548;
}

// Paged attention: one score row of the longest context per lane.
inline uint64_t attention_scratch_floats(int lanes, int64_t context) {
  return static_cast<uint64_t>(lanes) * static_cast<uint64_t>(context);
}

// Packed (encoder) attention: per lane a transposed key tile, a 4-query score tile and the
// 4-query inputs and outputs, lengths padded to 8.
inline uint64_t packed_attention_scratch_floats(int lanes, int64_t max_len, int64_t head_dim) {
  const auto padded = static_cast<uint64_t>((max_len + 7) / 8 * 8);
  const auto d = static_cast<uint64_t>(head_dim);
  return static_cast<uint64_t>(lanes) * (d * padded + 4 * padded + 8 * d);
}

}  // namespace tessera
