// A model's weights made usable by a Backend. Loaders read tensors as host views of the GGUF
// mapping (WeightMatrix) and F32 copies of the small ones (F32Vector); place() maps the file
// (Backend::map_weights: the CPU charges and borrows the mapping), hands every matrix to
// Backend::place_matrix (the CPU reads it in place, a device uploads) and packs every
// vector into one decoded-weights buffer, all charged to the slice's arena. After place(), the
// WeightMatrix views and F32Vector::data point at backend memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "base/status.h"
#include "gguf/file.h"
#include "tensor/weight_matrix.h"

namespace tessera {

struct F32Vector {
  std::vector<float> host;      // the decoded values
  const float* data = nullptr;  // backend memory once placed; null before
  bool empty() const { return host.empty(); }
  int64_t size() const { return static_cast<int64_t>(host.size()); }
};

class PlacedWeights {
 public:
  PlacedWeights() = default;
  PlacedWeights(PlacedWeights&&) = default;
  PlacedWeights& operator=(PlacedWeights&&) = default;

  // Queue the model's tensors (the pointers must stay valid until place()).
  void add(WeightMatrix& matrix, std::string name) {
    matrices_.push_back({&matrix, std::move(name)});
  }
  void add(F32Vector& vector) {
    if (!vector.empty()) vectors_.push_back(&vector);
  }
  // Maps the file (Backend::map_weights), then places everything queued; an error (over the
  // quota, out of device memory) names `owner`.
  Status place(Backend& backend, const gguf::File& file, Arena& arena, const std::string& owner);

  // Bytes held, by use (kWeights, kDecodedWeights).
  uint64_t bytes(MemoryUse use) const;

 private:
  struct Matrix {
    WeightMatrix* matrix;
    std::string name;
  };
  std::vector<Matrix> matrices_;
  std::vector<F32Vector*> vectors_;
  std::vector<Buffer> buffers_;
};

}  // namespace tessera
