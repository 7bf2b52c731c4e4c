#include "models/hparams.h"

namespace tessera {

Result<int64_t> required_dim(const gguf::File& file, const std::string& key) {
  TESSERA_ASSIGN_OR_RETURN(uint64_t v, file.get_u64(key));
  constexpr uint64_t kMaxDim = uint64_t{1} << 24;
  if (v == 0 || v > kMaxDim) {
    return data_loss(file.name() + ": " + key + " = " + std::to_string(v) + " is out of range 1.." +
                     std::to_string(kMaxDim));
  }
  return static_cast<int64_t>(v);
}

}  // namespace tessera
