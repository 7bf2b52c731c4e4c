#include "models/placed_weights.h"

#include <map>

namespace tessera {

Status PlacedWeights::place(Backend& backend, const gguf::File& file, Arena& arena,
                            const std::string& owner) {
  TESSERA_ASSIGN_OR_RETURN(Buffer mapped, backend.map_weights(file, arena, "weights of " + owner));
  buffers_.push_back(std::move(mapped));
  // A tied output matrix is the embedding itself: placed once, shared.
  std::map<const void*, WeightMatrix> placed_by_source;
  for (Matrix& m : matrices_) {
    auto it = placed_by_source.find(m.matrix->data);
    if (it != placed_by_source.end()) {
      *m.matrix = it->second;
      continue;
    }
    WeightMatrix placed;
    TESSERA_ASSIGN_OR_RETURN(
        Buffer buffer, backend.place_matrix(*m.matrix, arena, m.name + " of " + owner, placed));
    if (buffer.bytes() > 0) buffers_.push_back(std::move(buffer));
    placed_by_source.emplace(m.matrix->data, placed);
    *m.matrix = placed;
  }
  uint64_t floats = 0;
  for (const F32Vector* v : vectors_) floats += static_cast<uint64_t>(v->size());
  if (floats == 0) return {};
  TESSERA_ASSIGN_OR_RETURN(
      Buffer decoded, backend.allocate(&arena, floats * sizeof(float), MemoryUse::kDecodedWeights,
                                       "decoded norms and biases of " + owner));
  float* at = decoded.as<float>();
  for (F32Vector* v : vectors_) {
    backend.upload(at, v->host.data(), sizeof(float) * v->host.size());
    v->data = at;
    at += v->size();
  }
  buffers_.push_back(std::move(decoded));
  return {};
}

uint64_t PlacedWeights::bytes(MemoryUse use) const {
  uint64_t total = 0;
  for (const Buffer& b : buffers_) {
    if (b.use() == use) total += b.bytes();
  }
  return total;
}

}  // namespace tessera
