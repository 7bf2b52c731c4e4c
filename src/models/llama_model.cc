#include "models/llama_model.h"

#include <algorithm>

namespace tessera {

Result<std::unique_ptr<LlamaModel>> LlamaModel::load(const std::string& path, Backend& backend,
                                                     Arena& arena, const DecoderLimits& limits) {
  TESSERA_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(path));
  TESSERA_ASSIGN_OR_RETURN(LlamaConfig config, load_llama_config(file));
  if (limits.max_batch_tokens < 1 || limits.context < 0 || limits.context > config.context) {
    return invalid_argument(path +
                            ": a decoder instance needs a batch of at least 1 token and a "
                            "context of 0 (the model's) to " +
                            std::to_string(config.context));
  }
  TESSERA_ASSIGN_OR_RETURN(LlamaWeights weights, load_llama_weights(file, config));
  std::unique_ptr<LlamaModel> m(
      new LlamaModel(std::move(file), std::move(config), std::move(weights), backend));
  const LlamaConfig& c = m->config_;
  m->context_ = limits.context > 0 ? limits.context : c.context;
  // Per-pair RoPE divisors: Llama 3.1's rope_freqs, or LongRoPE's long factors when this
  // instance's context passes the original one (short factors below it), as llama.cpp chooses.
  const LlamaWeights& lw = m->weights_;
  const F32Vector* factors = lw.rope_freqs.empty() ? nullptr : &lw.rope_freqs;
  if (factors == nullptr && !lw.rope_factors_long.empty() && !lw.rope_factors_short.empty()) {
    factors =
        m->context_ > c.rope_original_context ? &lw.rope_factors_long : &lw.rope_factors_short;
  }
  if (factors != nullptr) {
    m->config_.rope.freq_factors = factors->host.data();
    m->config_.rope_local.freq_factors = factors->host.data();
  }
  m->weights_.add_to(m->placed_);
  TESSERA_RETURN_IF_ERROR(m->placed_.place(backend, m->file_, arena, path));

  const ForwardDims dims{.dim = c.dim,
                         .q_dim = c.q_dim(),
                         .kv_dim = c.kv_dim(),
                         .head_dim = c.head_dim,
                         .ffn = c.ffn,
                         .vocab = c.vocab,
                         .context = m->context_};
  m->workspace_ = decoder_workspace(dims, limits.max_batch_tokens, backend.lanes());
  TESSERA_ASSIGN_OR_RETURN(
      m->scratch_, backend.allocate(&arena, m->workspace_.layout.bytes(), MemoryUse::kWorkspace,
                                    "workspace of " + path));
  const auto n = static_cast<size_t>(limits.max_batch_tokens);
  for (std::vector<int32_t>* v :
       {&m->ids_, &m->positions_, &m->token_seq_, &m->slots_, &m->seq_of_batch_}) {
    v->reserve(n);
  }
  m->last_pos_of_batch_.reserve(n);
  m->seq_blocks_.reserve(n + 1);
  m->block_ids_.reserve(static_cast<size_t>(m->workspace_.max_blocks));
  return m;
}

uint64_t LlamaModel::allocated_bytes(MemoryUse use) const {
  return placed_.bytes(use) + (use == MemoryUse::kWorkspace ? scratch_.bytes() : 0);
}

Status LlamaModel::check_batch(std::span<const BatchToken> batch) const {
  const LlamaConfig& c = config_;
  if (static_cast<int64_t>(batch.size()) > max_batch_tokens()) {
    return invalid_argument("a batch of " + std::to_string(batch.size()) + " tokens exceeds the " +
                            std::to_string(max_batch_tokens()) +
                            " this model instance's workspace was sized for");
  }
  for (size_t t = 0; t < batch.size(); ++t) {
    const BatchToken& tok = batch[t];
    if (tok.token < 0 || tok.token >= c.vocab) {
      return invalid_argument("token id " + std::to_string(tok.token) + " at batch index " +
                              std::to_string(t) + " is outside the vocabulary (0.." +
                              std::to_string(c.vocab - 1) + ")");
    }
    if (tok.pos < 0 || tok.pos >= context_) {
      return invalid_argument("position " + std::to_string(tok.pos) + " of sequence " +
                              std::to_string(tok.seq) + " is outside the context of " +
                              std::to_string(context_) + " tokens");
    }
  }
  return {};
}

Status LlamaModel::index_batch(std::span<const BatchToken> batch, KvCache& cache) {
  ids_.clear();
  positions_.clear();
  token_seq_.clear();
  slots_.clear();
  seq_of_batch_.clear();
  last_pos_of_batch_.clear();
  for (const BatchToken& tok : batch) {
    const auto it = std::find(seq_of_batch_.begin(), seq_of_batch_.end(), tok.seq);
    const auto s = static_cast<size_t>(it - seq_of_batch_.begin());
    if (it == seq_of_batch_.end()) {
      seq_of_batch_.push_back(tok.seq);
      last_pos_of_batch_.push_back(tok.pos);
    } else if (tok.pos <= last_pos_of_batch_[s]) {
      return invalid_argument("sequence " + std::to_string(tok.seq) +
                              ": positions in a batch must increase");
    } else {
      last_pos_of_batch_[s] = tok.pos;
    }
    token_seq_.push_back(static_cast<int32_t>(s));
    ids_.push_back(tok.token);
    positions_.push_back(static_cast<int32_t>(tok.pos));
  }
  // Blocks for every new position first: a full pool fails the pass before anything runs.
  for (const BatchToken& tok : batch) TESSERA_RETURN_IF_ERROR(cache.grow(tok.seq, tok.pos));
  for (const BatchToken& tok : batch) slots_.push_back(cache.slot(tok.seq, tok.pos));
  seq_blocks_.assign(1, 0);
  block_ids_.clear();
  for (int32_t seq : seq_of_batch_) {
    const std::span<const int32_t> table = cache.block_table(seq);
    block_ids_.insert(block_ids_.end(), table.begin(), table.end());
    seq_blocks_.push_back(static_cast<int32_t>(block_ids_.size()));
  }
  return {};
}

Status LlamaModel::forward(std::span<const BatchToken> batch, KvCache& cache,
                           std::vector<float>& logits) {
  TESSERA_RETURN_IF_ERROR(check_batch(batch));
  if (batch.empty()) return {};
  if (cache.layout().n_layers != config_.n_layers || cache.kv_dim() != config_.kv_dim() ||
      cache.context() > context_) {
    return invalid_argument("the KV cache was made for another model shape or a longer context");
  }
  TESSERA_RETURN_IF_ERROR(index_batch(batch, cache));

  Backend& be = backend_;
  const LlamaConfig& c = config_;
  const DecoderWorkspace& w = workspace_;
  const auto f32 = [&](uint64_t offset) { return workspace_region<float>(scratch_, offset); };
  const auto put = [&](uint64_t offset, const std::vector<int32_t>& v) {
    return upload_indices(be, scratch_, offset, v);
  };
  const int32_t* ids = put(w.ids, ids_);
  const int32_t* positions = put(w.positions, positions_);
  const int32_t* token_seq = put(w.token_seq, token_seq_);
  const int32_t* slots = put(w.slots, slots_);
  const int32_t* seq_blocks = put(w.seq_blocks, seq_blocks_);
  const int32_t* block_ids = put(w.block_ids, block_ids_);

  const auto n = static_cast<int64_t>(batch.size());
  const int64_t dim = c.dim, q_dim = c.q_dim(), kv_dim = c.kv_dim();
  float *x = f32(w.x), *xb = f32(w.xb), *q = f32(w.q), *att = f32(w.att);
  float *k = f32(w.k), *v = f32(w.v), *gate = f32(w.gate), *up = f32(w.up);
  void* staging = workspace_region<void>(scratch_, w.staging);
  KvBlockPool& pool = cache.pool();
  be.get_rows(weights_.token_embd, ids, n, x);
  if (c.embedding_scale != 1.0f) be.scale(x, n * dim, c.embedding_scale);

  for (int64_t l = 0; l < c.n_layers; ++l) {
    const LlamaLayerWeights& L = weights_.layers[static_cast<size_t>(l)];
    const bool local = c.local_layer(l);
    const RopeParams& rope = local ? c.rope_local : c.rope;
    be.rms_norm(x, L.attn_norm.data, xb, n, dim, c.rms_eps);
    be.matmul(L.wq, xb, n, q, staging);
    be.matmul(L.wk, xb, n, k, staging);
    be.matmul(L.wv, xb, n, v, staging);
    if (c.qkv_bias) {
      be.add_bias(q, L.bq.data, n, q_dim);
      be.add_bias(k, L.bk.data, n, kv_dim);
      be.add_bias(v, L.bv.data, n, kv_dim);
    }
    if (c.qk_norm) {  // every head is a row of head_dim, normalised with one shared weight
      be.rms_norm(q, L.q_norm.data, q, n * c.n_heads, c.head_dim, c.rms_eps);
      be.rms_norm(k, L.k_norm.data, k, n * c.n_kv_heads, c.head_dim, c.rms_eps);
    }
    be.rope(q, positions, n, q_dim, c.n_heads, c.head_dim, rope);
    be.rope(k, positions, n, kv_dim, c.n_kv_heads, c.head_dim, rope);
    be.kv_store(pool.data(), pool.layout(), l, k, v, slots, n);
    PagedAttention a;
    a.q = q;
    a.out = att;
    a.n_tokens = n;
    a.n_heads = c.n_heads;
    a.n_kv_heads = c.n_kv_heads;
    a.head_dim = c.head_dim;
    a.kv = pool.data();
    a.layout = pool.layout();
    a.layer = l;
    a.positions = positions;
    a.token_seq = token_seq;
    a.seq_blocks = seq_blocks;
    a.block_ids = block_ids;
    a.scratch = f32(w.scores);
    a.scale = c.attention_scale;
    a.softcap = c.attn_softcap;
    a.window = local ? c.sliding_window : 0;
    be.attention(a);
    be.matmul(L.wo, att, n, xb, staging);
    if (!L.attn_post_norm.empty()) be.rms_norm(xb, L.attn_post_norm.data, xb, n, dim, c.rms_eps);
    be.add(x, xb, n * dim);

    be.rms_norm(x, L.ffn_norm.data, xb, n, dim, c.rms_eps);
    be.matmul(L.w_gate, xb, n, gate, staging);
    be.matmul(L.w_up, xb, n, up, staging);
    if (c.architecture->ffn_activation == FfnActivation::kGeluTanh) {
      be.gelu_mul(gate, up, n * c.ffn);
    } else {
      be.silu_mul(gate, up, n * c.ffn);
    }
    be.matmul(L.w_down, gate, n, xb, staging);
    if (!L.ffn_post_norm.empty()) be.rms_norm(xb, L.ffn_post_norm.data, xb, n, dim, c.rms_eps);
    be.add(x, xb, n * dim);
  }

  // Only the rows that want logits go through the (large) output projection.
  float* normed = f32(w.normed);
  int64_t n_out = 0;
  for (int64_t t = 0; t < n; ++t) {
    if (!batch[static_cast<size_t>(t)].want_logits) continue;
    be.rms_norm(x + t * dim, weights_.output_norm.data, normed + n_out * dim, 1, dim, c.rms_eps);
    ++n_out;
  }
  if (n_out == 0) return {};
  float* out = f32(w.logits);
  be.matmul(weights_.output, normed, n_out, out, staging);
  if (c.final_softcap > 0.0f) be.soft_cap(out, n_out * c.vocab, c.final_softcap);
  const size_t begin = logits.size();
  logits.resize(begin + static_cast<size_t>(n_out * c.vocab));
  be.download(logits.data() + begin, out, sizeof(float) * static_cast<size_t>(n_out * c.vocab));
  return {};
}

}  // namespace tessera
