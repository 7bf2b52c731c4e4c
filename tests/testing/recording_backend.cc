#include "testing/recording_backend.h"

#include <algorithm>

namespace tessera::testing {

bool RecordingBackend::called(const std::string& op) const {
  return std::find(ops_.begin(), ops_.end(), op) != ops_.end();
}

void RecordingBackend::upload(void* dst, const void* src, uint64_t bytes) {
  inner_.upload(dst, src, bytes);
}
void RecordingBackend::download(void* dst, const void* src, uint64_t bytes) {
  inner_.download(dst, src, bytes);
}
void RecordingBackend::discard(void* data, uint64_t bytes) { inner_.discard(data, bytes); }

Result<Buffer> RecordingBackend::keep(Result<Buffer> buffer) {
  if (!buffer.ok()) return buffer;
  handed_out_[static_cast<size_t>(buffer->use())] += buffer->bytes();
  // Hand out a borrowed view; the inner buffer (memory and reservation) stays here until the
  // backend goes, which in the tests outlives the model.
  Buffer view = Buffer::borrowed(buffer->data(), buffer->bytes(), buffer->use(), Reservation());
  inner_buffers_.push_back(std::move(buffer).value());
  return view;
}

Result<Buffer> RecordingBackend::map_weights(const gguf::File& file, Arena& arena,
                                             std::string_view what) {
  ops_.push_back("map_weights");
  return keep(inner_.map_weights(file, arena, what));
}

Result<Buffer> RecordingBackend::place_matrix(const WeightMatrix& mapped, Arena& arena,
                                              std::string_view what, WeightMatrix& placed) {
  ops_.push_back("place_matrix");
  return keep(inner_.place_matrix(mapped, arena, what, placed));
}

void* RecordingBackend::allocate_raw(uint64_t bytes, MemoryUse use) {
  handed_out_[static_cast<size_t>(use)] += bytes;
  Result<Buffer> inner = inner_.allocate(nullptr, bytes, use, "recorded");
  if (!inner.ok()) return nullptr;
  void* data = inner->data();
  inner_buffers_.push_back(std::move(inner).value());
  return data;
}

void RecordingBackend::free(void* data, uint64_t, MemoryUse) {
  auto it = std::find_if(inner_buffers_.begin(), inner_buffers_.end(),
                         [&](const Buffer& b) { return b.data() == data; });
  if (it != inner_buffers_.end()) inner_buffers_.erase(it);
}

void RecordingBackend::get_rows(const WeightMatrix& table, const int32_t* ids, int64_t n,
                                float* y) {
  ops_.push_back("get_rows");
  inner_.get_rows(table, ids, n, y);
}
void RecordingBackend::add_rows(const float* table, const int32_t* ids, int64_t n, int64_t width,
                                float* y) {
  ops_.push_back("add_rows");
  inner_.add_rows(table, ids, n, width, y);
}
void RecordingBackend::matmul(const WeightMatrix& w, const float* x, int64_t n, float* y,
                              void* staging) {
  ops_.push_back("matmul");
  inner_.matmul(w, x, n, y, staging);
}
void RecordingBackend::rms_norm(const float* x, const float* w, float* y, int64_t rows, int64_t n,
                                float eps) {
  ops_.push_back("rms_norm");
  inner_.rms_norm(x, w, y, rows, n, eps);
}
void RecordingBackend::layer_norm(float* x, const float* residual, const float* bias,
                                  const float* w, const float* b, int64_t rows, int64_t n,
                                  float eps) {
  ops_.push_back("layer_norm");
  inner_.layer_norm(x, residual, bias, w, b, rows, n, eps);
}
void RecordingBackend::rope(float* x, const int32_t* positions, int64_t rows, int64_t stride,
                            int64_t n_heads, int64_t head_dim, const RopeParams& params) {
  ops_.push_back("rope");
  inner_.rope(x, positions, rows, stride, n_heads, head_dim, params);
}
void RecordingBackend::add(float* y, const float* x, int64_t n) {
  ops_.push_back("add");
  inner_.add(y, x, n);
}
void RecordingBackend::add_bias(float* x, const float* b, int64_t rows, int64_t n) {
  ops_.push_back("add_bias");
  inner_.add_bias(x, b, rows, n);
}
void RecordingBackend::silu_mul(float* gate, const float* up, int64_t n) {
  ops_.push_back("silu_mul");
  inner_.silu_mul(gate, up, n);
}
void RecordingBackend::gelu_mul(float* gate, const float* up, int64_t n) {
  ops_.push_back("gelu_mul");
  inner_.gelu_mul(gate, up, n);
}
void RecordingBackend::scale(float* x, int64_t n, float s) {
  ops_.push_back("scale");
  inner_.scale(x, n, s);
}
void RecordingBackend::soft_cap(float* x, int64_t n, float cap) {
  ops_.push_back("soft_cap");
  inner_.soft_cap(x, n, cap);
}
void RecordingBackend::bias_gelu(float* x, const float* b, int64_t rows, int64_t n) {
  ops_.push_back("bias_gelu");
  inner_.bias_gelu(x, b, rows, n);
}
void RecordingBackend::bias_tanh(float* x, const float* b, int64_t rows, int64_t n) {
  ops_.push_back("bias_tanh");
  inner_.bias_tanh(x, b, rows, n);
}
void RecordingBackend::softmax(float* x, int64_t rows, int64_t n) {
  ops_.push_back("softmax");
  inner_.softmax(x, rows, n);
}
void RecordingBackend::argmax(const float* x, int64_t rows, int64_t n, int32_t* out) {
  ops_.push_back("argmax");
  inner_.argmax(x, rows, n, out);
}
void RecordingBackend::kv_store(float* kv, const KvLayout& layout, int64_t layer, const float* k,
                                const float* v, const int32_t* slots, int64_t n) {
  ops_.push_back("kv_store");
  inner_.kv_store(kv, layout, layer, k, v, slots, n);
}
void RecordingBackend::attention(const PagedAttention& a) {
  ops_.push_back("attention");
  inner_.attention(a);
}
void RecordingBackend::packed_attention(const PackedAttention& a) {
  ops_.push_back("packed_attention");
  inner_.packed_attention(a);
}
void RecordingBackend::pool_sequences(const float* x, const int64_t* offsets, int64_t n_seqs,
                                      int64_t n, SequencePooling pooling, float* out) {
  ops_.push_back("pool_sequences");
  inner_.pool_sequences(x, offsets, n_seqs, n, pooling, out);
}

}  // namespace tessera::testing
