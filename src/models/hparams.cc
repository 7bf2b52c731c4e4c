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

Result<float> rope_freq_base(const gguf::File& file, const std::string& arch) {
  constexpr float kDefaultBase = 10000.0f;
  const std::string key = arch + ".rope.freq_base";
  if (!file.find(key)) return kDefaultBase;
  TESSERA_ASSIGN_OR_RETURN(double base, file.get_f64(key));
  if (!(base > 1.0 && base < 1e12)) {  // also refuses NaN and infinity
    return data_loss(file.name() + ": " + key + " = " + std::to_string(base) +
                     " is not a RoPE base (expected a finite value above 1)");
  }
  return static_cast<float>(base);
}

}  // namespace tessera
