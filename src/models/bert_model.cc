#include "models/bert_model.h"

#include <algorithm>
#include <cstring>

namespace tessera {

Result<std::unique_ptr<BertModel>> BertModel::load(const std::string& path, Backend& backend,
                                                   Arena& arena, int64_t max_batch_tokens) {
  if (max_batch_tokens < 1) {
    return invalid_argument(path + ": an encoder instance needs a batch of at least 1 token");
  }
  TESSERA_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(path));
  TESSERA_ASSIGN_OR_RETURN(BertConfig config, load_bert_config(file));
  TESSERA_ASSIGN_OR_RETURN(BertWeights weights, load_bert_weights(file, config));
  if (!config.architecture->encoder.gated_ffn && !config.architecture->encoder.projection_biases) {
    return unimplemented(path + ": " + config.arch +
                         ": a GELU feed-forward without biases has no forward pass here");
  }
  std::unique_ptr<BertModel> m(
      new BertModel(std::move(file), std::move(config), std::move(weights), backend));
  m->weights_.add_to(m->placed_);
  TESSERA_RETURN_IF_ERROR(m->placed_.place(backend, m->file_, arena, path));
  const BertConfig& c = m->config_;
  const ForwardDims dims{.dim = c.dim,
                         .q_dim = c.dim,
                         .head_dim = c.head_dim,
                         .ffn = c.ffn,
                         .outputs = c.rerank_head ? c.rerank_outputs : 0,
                         .context = c.context,
                         .gated_ffn = c.architecture->encoder.gated_ffn};
  // A sequence as long as the context always fits, alone.
  m->workspace_ = encoder_workspace(dims, std::max(max_batch_tokens, c.context), backend.lanes());
  TESSERA_ASSIGN_OR_RETURN(
      m->scratch_, backend.allocate(&arena, m->workspace_.layout.bytes(), MemoryUse::kWorkspace,
                                    "workspace of " + path));
  const auto n = static_cast<size_t>(m->workspace_.tokens);
  for (std::vector<int32_t>* v : {&m->ids_, &m->positions_, &m->types_}) v->reserve(n);
  m->offsets_.reserve(n + 1);
  return m;
}

uint64_t BertModel::allocated_bytes(MemoryUse use) const {
  return placed_.bytes(use) + (use == MemoryUse::kWorkspace ? scratch_.bytes() : 0);
}

Status BertModel::check_batch(std::span<const EncoderSequence> batch, Pooling pooling) const {
  const BertConfig& c = config_;
  if (batch.empty()) return invalid_argument("encode: the batch has no sequences");
  if (pooling == Pooling::kRank && !c.rerank_head) {
    return invalid_argument(file_.name() +
                            " has no reranker head (cls.output): it cannot score pairs");
  }
  const int64_t n_types = std::max<int64_t>(c.token_types, 1);
  int64_t total = 0;
  for (size_t s = 0; s < batch.size(); ++s) {
    const EncoderSequence& seq = batch[s];
    const std::string which = "sequence " + std::to_string(s);
    if (seq.tokens.empty()) return invalid_argument(which + " is empty");
    if (static_cast<int64_t>(seq.tokens.size()) > c.context) {
      return invalid_argument(which + " has " + std::to_string(seq.tokens.size()) +
                              " tokens, more than the model's context of " +
                              std::to_string(c.context));
    }
    if (!seq.token_types.empty() && seq.token_types.size() != seq.tokens.size()) {
      return invalid_argument(which + " has " + std::to_string(seq.token_types.size()) +
                              " token types for " + std::to_string(seq.tokens.size()) + " tokens");
    }
    for (size_t t = 0; t < seq.tokens.size(); ++t) {
      if (seq.tokens[t] < 0 || seq.tokens[t] >= c.vocab) {
        return invalid_argument(which + ": token id " + std::to_string(seq.tokens[t]) +
                                " at position " + std::to_string(t) +
                                " is outside the vocabulary (0.." + std::to_string(c.vocab - 1) +
                                ")");
      }
      if (!seq.token_types.empty() && (seq.token_types[t] < 0 || seq.token_types[t] >= n_types)) {
        return invalid_argument(which + ": token type " + std::to_string(seq.token_types[t]) +
                                " at position " + std::to_string(t) + " is not below the " +
                                std::to_string(n_types) + " types of " + file_.name());
      }
    }
    total += static_cast<int64_t>(seq.tokens.size());
  }
  if (total > max_batch_tokens()) {
    return invalid_argument("encode: the batch has " + std::to_string(total) +
                            " tokens, more than the " + std::to_string(max_batch_tokens()) +
                            " this instance's workspace was sized for");
  }
  return {};
}

// x = LayerNorm(token_embd[id] + positions[pos] + token_types[type]) for every packed token
// (without positions[pos] for RoPE encoders, which rotate q and k by the uploaded positions).
const int32_t* BertModel::embed(std::span<const EncoderSequence> batch, float* x) {
  Backend& be = backend_;
  const EncoderWorkspace& w = workspace_;
  const BertWeights& wt = weights_;
  ids_.clear();
  positions_.clear();
  types_.clear();
  for (const EncoderSequence& seq : batch) {
    for (size_t p = 0; p < seq.tokens.size(); ++p) {
      ids_.push_back(seq.tokens[p]);
      positions_.push_back(static_cast<int32_t>(p));
      types_.push_back(seq.token_types.empty() ? 0 : seq.token_types[p]);
    }
  }
  const auto put = [&](uint64_t offset, const std::vector<int32_t>& v) {
    return upload_indices(be, scratch_, offset, v);
  };
  const auto n = static_cast<int64_t>(ids_.size());
  const int64_t dim = config_.dim;
  be.get_rows(wt.token_embd, put(w.ids, ids_), n, x);
  const int32_t* positions = put(w.positions, positions_);
  if (!wt.positions.empty()) be.add_rows(wt.positions.data, positions, n, dim, x);
  if (!wt.token_types.empty()) be.add_rows(wt.token_types.data, put(w.types, types_), n, dim, x);
  be.layer_norm(x, nullptr, nullptr, wt.embd_norm_w.data, wt.embd_norm_b.data, n, dim,
                config_.norm_eps);
  return positions;
}

void BertModel::pool_rows(const float* x, Pooling pooling, EncoderOutput& out) {
  Backend& be = backend_;
  const int64_t dim = config_.dim;
  const auto n_seqs = static_cast<int64_t>(offsets_.size()) - 1;
  out.pooling = pooling;
  out.width = dim;
  if (pooling == Pooling::kNone) {
    out.rows.resize(static_cast<size_t>(offsets_.back() * dim));
    be.download(out.rows.data(), x, sizeof(float) * out.rows.size());
    out.row_begin.assign(offsets_.begin(), offsets_.end() - 1);
    return;
  }
  out.row_begin.resize(static_cast<size_t>(n_seqs));
  for (int64_t s = 0; s < n_seqs; ++s) out.row_begin[static_cast<size_t>(s)] = s;
  float* pooled = workspace_region<float>(scratch_, workspace_.pooled);
  const SequencePooling how = pooling == Pooling::kMean   ? SequencePooling::kMean
                              : pooling == Pooling::kLast ? SequencePooling::kLast
                                                          : SequencePooling::kFirst;
  be.pool_sequences(x, offsets_.data(), n_seqs, dim, how, pooled);  // kCls and kRank read [CLS]
  float* rows = pooled;
  int64_t width = dim;
  if (pooling == Pooling::kRank) {
    // score = cls.output · tanh(cls · h_[CLS] + cls.bias) + cls.output.bias
    const BertWeights& w = weights_;
    void* staging = workspace_region<void>(scratch_, workspace_.staging);
    if (w.has_cls) {
      float* projected = workspace_region<float>(scratch_, workspace_.q);
      be.matmul(w.cls, rows, n_seqs, projected, staging);
      be.bias_tanh(projected, w.cls_b.data, n_seqs, dim);
      rows = projected;
    }
    width = config_.rerank_outputs;
    float* scores = workspace_region<float>(scratch_, workspace_.scores);
    be.matmul(w.cls_out, rows, n_seqs, scores, staging);
    be.add_bias(scores, w.cls_out_b.data, n_seqs, width);
    rows = scores;
  }
  out.width = width;
  out.rows.resize(static_cast<size_t>(n_seqs * width));
  be.download(out.rows.data(), rows, sizeof(float) * out.rows.size());
}

Result<EncoderOutput> BertModel::encode(std::span<const EncoderSequence> batch, Pooling pooling) {
  TESSERA_RETURN_IF_ERROR(check_batch(batch, pooling));
  Backend& be = backend_;
  const BertConfig& c = config_;
  const EncoderWorkspace& w = workspace_;
  offsets_.assign(1, 0);
  for (const EncoderSequence& seq : batch) {
    offsets_.push_back(offsets_.back() + static_cast<int64_t>(seq.tokens.size()));
  }
  const int64_t n = offsets_.back(), dim = c.dim;
  const auto f32 = [&](uint64_t offset) { return workspace_region<float>(scratch_, offset); };
  float *x = f32(w.x), *q = f32(w.q), *k = f32(w.k), *v = f32(w.v), *att = f32(w.att);
  float* hidden = f32(w.hidden);
  void* staging = workspace_region<void>(scratch_, w.staging);
  const int32_t* positions = embed(batch, x);
  const EncoderFeatures& features = c.architecture->encoder;
  // Absent biases are empty vectors: null data, which layer_norm takes as "no bias".
  const auto bias = [](const F32Vector& b) { return b.empty() ? nullptr : b.data; };

  PackedAttention a;
  a.q = q;
  a.k = k;
  a.v = v;
  a.out = att;
  a.offsets = offsets_.data();
  a.n_seqs = static_cast<int64_t>(batch.size());
  a.n_heads = c.n_heads;
  a.head_dim = c.head_dim;
  a.scratch = f32(w.attention);
  for (const BertLayerWeights& L : weights_.layers) {
    be.matmul(L.wq, x, n, q, staging);
    be.matmul(L.wk, x, n, k, staging);
    be.matmul(L.wv, x, n, v, staging);
    if (!L.bq.empty()) {
      be.add_bias(q, L.bq.data, n, dim);
      be.add_bias(k, L.bk.data, n, dim);
      be.add_bias(v, L.bv.data, n, dim);
    }
    if (!features.position_table) {
      be.rope(q, positions, n, dim, c.n_heads, c.head_dim, c.rope);
      be.rope(k, positions, n, dim, c.n_heads, c.head_dim, c.rope);
    }
    be.packed_attention(a);
    be.matmul(L.wo, att, n, q, staging);  // q is free again: attention output
    be.layer_norm(x, q, bias(L.bo), L.attn_norm_w.data, L.attn_norm_b.data, n, dim, c.norm_eps);
    if (features.gated_ffn) {
      // down(silu(gate(x)) · up(x)), as llama.cpp's parallel SiLU feed-forward.
      float* up = f32(w.up);
      be.matmul(L.w_gate, x, n, hidden, staging);
      be.matmul(L.w_up, x, n, up, staging);
      if (!L.b_up.empty()) be.add_bias(up, L.b_up.data, n, c.ffn);
      be.silu_mul(hidden, up, n * c.ffn);
    } else {
      be.matmul(L.w_up, x, n, hidden, staging);
      be.bias_gelu(hidden, L.b_up.data, n, c.ffn);
    }
    be.matmul(L.w_down, hidden, n, q, staging);
    be.layer_norm(x, q, bias(L.b_down), L.out_norm_w.data, L.out_norm_b.data, n, dim, c.norm_eps);
  }
  EncoderOutput out;
  pool_rows(x, pooling, out);
  return out;
}

}  // namespace tessera
