// Reading a model's hyperparameters from GGUF metadata, shared by every architecture's config.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "gguf/file.h"

namespace tessera {

// A dimension (layers, widths, heads, context): a required unsigned integer key in 1..2^24. The
// bound keeps every product the engines form (rows × columns, context × kv_dim) far from overflow.
Result<int64_t> required_dim(const gguf::File& file, const std::string& key);

// `<arch>.rope.freq_base`, or 10000 when the file has none; NaN, infinity and values of 1 or less
// are refused with the key named.
Result<float> rope_freq_base(const gguf::File& file, const std::string& arch);

}  // namespace tessera
