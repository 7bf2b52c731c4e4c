#include "models/forward_workspace.h"

#include <algorithm>

#include "backend/kv_layout.h"
#include "backend/op_scratch.h"

namespace tessera {
namespace {

uint64_t u(int64_t v) { return v > 0 ? static_cast<uint64_t>(v) : 0; }

}  // namespace

DecoderWorkspace decoder_workspace(const ForwardDims& d, int64_t tokens, int lanes) {
  DecoderWorkspace w;
  WorkspaceLayout& l = w.layout;
  const uint64_t n = u(tokens);
  w.tokens = tokens;
  // Every sequence of the batch (at most one per token) may hold a whole context of blocks.
  w.max_blocks = tokens * kv_blocks_for(d.context);
  w.x = l.floats("x", n * u(d.dim));
  w.xb = l.floats("xb", n * u(std::max(d.dim, d.q_dim)));
  w.q = l.floats("q", n * u(d.q_dim));
  w.att = l.floats("att", n * u(d.q_dim));
  w.k = l.floats("k", n * u(d.kv_dim));
  w.v = l.floats("v", n * u(d.kv_dim));
  w.gate = l.floats("gate", n * u(d.ffn));
  w.up = l.floats("up", n * u(d.ffn));
  w.normed = l.floats("normed", n * u(d.dim));
  w.logits = l.floats("logits", n * u(d.vocab));
  w.staging =
      l.add("matmul staging", matmul_staging_bytes(tokens, std::max({d.dim, d.q_dim, d.ffn})), 1);
  w.scores = l.floats("attention scores", attention_scratch_floats(lanes, d.context));
  w.ids = l.ints("ids", n);
  w.positions = l.ints("positions", n);
  w.token_seq = l.ints("token sequences", n);
  w.slots = l.ints("KV slots", n);
  w.seq_blocks = l.ints("sequence block offsets", n + 1);
  w.block_ids = l.ints("block ids", u(w.max_blocks));
  return w;
}

const int32_t* upload_indices(Backend& backend, const Buffer& workspace, uint64_t offset,
                              const std::vector<int32_t>& values) {
  int32_t* region = workspace_region<int32_t>(workspace, offset);
  backend.upload(region, values.data(), sizeof(int32_t) * values.size());
  return region;
}

EncoderWorkspace encoder_workspace(const ForwardDims& d, int64_t tokens, int lanes) {
  EncoderWorkspace w;
  WorkspaceLayout& l = w.layout;
  const uint64_t n = u(tokens);
  w.tokens = tokens;
  w.x = l.floats("x", n * u(d.dim));
  w.q = l.floats("q", n * u(d.dim));
  w.k = l.floats("k", n * u(d.dim));
  w.v = l.floats("v", n * u(d.dim));
  w.att = l.floats("att", n * u(d.dim));
  w.pooled = l.floats("pooled", n * u(d.dim));
  w.hidden = l.floats("hidden", n * u(d.ffn));
  if (d.gated_ffn) w.up = l.floats("up", n * u(d.ffn));
  w.scores = l.floats("head scores", n * u(d.outputs));
  w.staging = l.add("matmul staging", matmul_staging_bytes(tokens, std::max(d.dim, d.ffn)), 1);
  w.attention = l.floats("attention tiles", packed_attention_scratch_floats(
                                                lanes, std::min(tokens, d.context), d.head_dim));
  w.ids = l.ints("ids", n);
  w.positions = l.ints("positions", n);
  w.types = l.ints("token types", n);
  return w;
}

}  // namespace tessera
