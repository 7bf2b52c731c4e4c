// Re-encodes the weight matrices of a GGUF model into another type (`tessera quantize`). Norms and
// biases are kept (and stored as F32), metadata is copied with general.file_type updated.
#pragma once

#include <functional>
#include <string>

#include "base/status.h"
#include "tensor/dtype.h"

namespace tessera {

struct RequantizeOptions {
  DType type = DType::kQ8_0;
  // Re-encoding already-quantized matrices compounds their error; llama.cpp asks for the same
  // opt-in.
  bool allow_requantize = false;
};

struct RequantizeReport {
  int matrices = 0;   // re-encoded
  int fallbacks = 0;  // matrices whose rows did not fit the requested block size
  int kept = 0;       // copied unchanged or widened to F32
  uint64_t input_bytes = 0;
  uint64_t output_bytes = 0;
};

// Progress is reported per tensor: (done, total).
Result<RequantizeReport> requantize_file(
    const std::string& input_path, const std::string& output_path, const RequantizeOptions& options,
    const std::function<void(size_t, size_t)>& progress = nullptr);

}  // namespace tessera
