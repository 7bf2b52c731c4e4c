#include "models/llama_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "kernels/cpu/matmul.h"
#include "kernels/cpu/ops.h"

namespace tessera {

Result<std::unique_ptr<LlamaModel>> LlamaModel::load(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(path));
  TESSERA_ASSIGN_OR_RETURN(LlamaConfig config, load_llama_config(file));
  TESSERA_ASSIGN_OR_RETURN(LlamaWeights weights, load_llama_weights(file, config));
  file.prefault_tensor_data();  // every weight is read by the first forward pass anyway
  return std::unique_ptr<LlamaModel>(
      new LlamaModel(std::move(file), std::move(config), std::move(weights)));
}

void LlamaModel::attention(std::span<const BatchToken> batch, int64_t layer, const float* q,
                           KvCache& cache, float* out, ThreadPool& pool) const {
  const LlamaConfig& c = config_;
  const int64_t group = c.n_heads / c.n_kv_heads;  // query heads sharing one KV head
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  const auto n = static_cast<int64_t>(batch.size());
  pool.parallel_for(n * c.n_heads, [&](int64_t begin, int64_t end) {
    std::vector<float> scores;
    for (int64_t job = begin; job < end; ++job) {
      const int64_t t = job / c.n_heads, h = job % c.n_heads;
      const BatchToken& tok = batch[static_cast<size_t>(t)];
      const float* qh = q + t * c.dim + h * c.head_dim;
      const int64_t kv_offset = (h / group) * c.head_dim;
      const int64_t n_ctx = tok.pos + 1;  // causal: positions 0..pos of this sequence
      const int64_t kv_dim = cache.kv_dim();
      const std::span<const KvBlock> blocks = cache.blocks(tok.seq);
      scores.resize(static_cast<size_t>(n_ctx));
      // Block by block: positions [start, start + rows) sit kv_dim floats apart in one block.
      for (int64_t start = 0, b = 0; start < n_ctx; start += kKvBlockTokens, ++b) {
        const float* keys = cache.k_rows(blocks[static_cast<size_t>(b)], layer) + kv_offset;
        const int64_t rows = std::min(kKvBlockTokens, n_ctx - start);
        for (int64_t r = 0; r < rows; ++r) {
          scores[static_cast<size_t>(start + r)] =
              kernels::dot_f32(qh, keys + r * kv_dim, c.head_dim) * scale;
        }
      }
      kernels::softmax(scores.data(), n_ctx);
      float* oh = out + t * c.dim + h * c.head_dim;
      std::memset(oh, 0, sizeof(float) * static_cast<size_t>(c.head_dim));
      for (int64_t start = 0, b = 0; start < n_ctx; start += kKvBlockTokens, ++b) {
        const float* values = cache.v_rows(blocks[static_cast<size_t>(b)], layer) + kv_offset;
        const int64_t rows = std::min(kKvBlockTokens, n_ctx - start);
        for (int64_t r = 0; r < rows; ++r) {
          const float* vh = values + r * kv_dim;
          const float a = scores[static_cast<size_t>(start + r)];
          for (int64_t i = 0; i < c.head_dim; ++i) oh[i] += a * vh[i];
        }
      }
    }
  });
}

Status LlamaModel::forward(std::span<const BatchToken> batch, KvCache& cache,
                           std::vector<float>& logits, ThreadPool& pool) const {
  const LlamaConfig& c = config_;
  const auto n = static_cast<int64_t>(batch.size());
  std::unordered_map<int32_t, int64_t> last_pos;
  std::vector<int32_t> ids(batch.size());
  for (size_t t = 0; t < batch.size(); ++t) {
    const BatchToken& tok = batch[t];
    if (tok.token < 0 || tok.token >= c.vocab) {
      return invalid_argument("token id " + std::to_string(tok.token) + " at batch index " +
                              std::to_string(t) + " is outside the vocabulary (0.." +
                              std::to_string(c.vocab - 1) + ")");
    }
    if (tok.pos < 0 || tok.pos >= c.context) {
      return invalid_argument("position " + std::to_string(tok.pos) + " of sequence " +
                              std::to_string(tok.seq) + " is outside the context of " +
                              std::to_string(c.context) + " tokens");
    }
    auto [it, inserted] = last_pos.try_emplace(tok.seq, tok.pos);
    if (!inserted) {
      if (tok.pos <= it->second) {
        return invalid_argument("sequence " + std::to_string(tok.seq) +
                                ": positions in a batch must increase");
      }
      it->second = tok.pos;
    }
    ids[t] = tok.token;
  }

  const int64_t dim = c.dim, kv_dim = c.kv_dim();
  std::vector<float> x(static_cast<size_t>(n * dim)), xb(x.size()), q(x.size()), att(x.size());
  std::vector<float> k(static_cast<size_t>(n * kv_dim)), v(k.size());
  std::vector<float> gate(static_cast<size_t>(n * c.ffn)), up(gate.size());
  kernels::get_rows(weights_.token_embd, ids.data(), n, x.data());

  for (int64_t l = 0; l < c.n_layers; ++l) {
    const LlamaLayerWeights& L = weights_.layers[static_cast<size_t>(l)];
    for (int64_t t = 0; t < n; ++t) {
      kernels::rms_norm(&x[t * dim], L.attn_norm.data(), &xb[t * dim], dim, c.rms_eps);
    }
    kernels::matmul(L.wq, xb.data(), n, q.data(), pool);
    kernels::matmul(L.wk, xb.data(), n, k.data(), pool);
    kernels::matmul(L.wv, xb.data(), n, v.data(), pool);
    for (int64_t t = 0; t < n; ++t) {
      const BatchToken& tok = batch[static_cast<size_t>(t)];
      if (c.qkv_bias) {
        kernels::add(&q[t * dim], L.bq.data(), dim);
        kernels::add(&k[t * kv_dim], L.bk.data(), kv_dim);
        kernels::add(&v[t * kv_dim], L.bv.data(), kv_dim);
      }
      kernels::rope(&q[t * dim], c.n_heads, c.head_dim, tok.pos, c.rope);
      kernels::rope(&k[t * kv_dim], c.n_kv_heads, c.head_dim, tok.pos, c.rope);
      std::memcpy(cache.k(tok.seq, l, tok.pos), &k[t * kv_dim], sizeof(float) * kv_dim);
      std::memcpy(cache.v(tok.seq, l, tok.pos), &v[t * kv_dim], sizeof(float) * kv_dim);
    }
    attention(batch, l, q.data(), cache, att.data(), pool);
    kernels::matmul(L.wo, att.data(), n, xb.data(), pool);
    kernels::add(x.data(), xb.data(), n * dim);

    for (int64_t t = 0; t < n; ++t) {
      kernels::rms_norm(&x[t * dim], L.ffn_norm.data(), &xb[t * dim], dim, c.rms_eps);
    }
    kernels::matmul(L.w_gate, xb.data(), n, gate.data(), pool);
    kernels::matmul(L.w_up, xb.data(), n, up.data(), pool);
    kernels::silu(gate.data(), n * c.ffn);
    kernels::mul(gate.data(), up.data(), n * c.ffn);
    kernels::matmul(L.w_down, gate.data(), n, xb.data(), pool);
    kernels::add(x.data(), xb.data(), n * dim);
  }

  // Only the rows that want logits go through the (large) output projection.
  std::vector<float> rows;
  for (int64_t t = 0; t < n; ++t) {
    if (!batch[static_cast<size_t>(t)].want_logits) continue;
    const size_t at = rows.size();
    rows.resize(at + static_cast<size_t>(dim));
    kernels::rms_norm(&x[t * dim], weights_.output_norm.data(), &rows[at], dim, c.rms_eps);
  }
  const int64_t n_out = static_cast<int64_t>(rows.size()) / dim;
  const size_t at = logits.size();
  logits.resize(at + static_cast<size_t>(n_out * c.vocab));
  kernels::matmul(weights_.output, rows.data(), n_out, logits.data() + at, pool);
  return {};
}

}  // namespace tessera
