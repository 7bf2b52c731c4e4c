#include "models/bert_config.h"

#include "models/hparams.h"

namespace tessera {
namespace {

// RoPE of rows without a position table. llama.cpp's defaults where the file is silent: the whole
// head rotates, base 10000. Scaling is refused: no encoder file of the table uses it.
Status load_rope(const gguf::File& file, BertConfig& c) {
  const std::string& a = c.arch;
  c.rope.layout = c.architecture->rope_layout;
  c.rope.n_rot = c.head_dim;
  if (file.find(a + ".rope.dimension_count")) {
    TESSERA_ASSIGN_OR_RETURN(c.rope.n_rot, required_dim(file, a + ".rope.dimension_count"));
  }
  if (c.rope.n_rot > c.head_dim || c.rope.n_rot % 2 != 0) {
    return data_loss(file.name() + ": " + a + " rotates " + std::to_string(c.rope.n_rot) +
                     " dimensions per head; expected an even number up to the head size " +
                     std::to_string(c.head_dim));
  }
  TESSERA_ASSIGN_OR_RETURN(c.rope.freq_base, rope_freq_base(file, a));
  if (const gguf::Value* type = file.find(a + ".rope.scaling.type");
      type && !(type->is_string() && type->as_string() == "none")) {
    return unimplemented(file.name() + ": " + a +
                         ".rope.scaling.type: RoPE scaling is not supported for encoders");
  }
  return {};
}

}  // namespace

const char* pooling_name(Pooling pooling) {
  switch (pooling) {
    case Pooling::kNone:
      return "none";
    case Pooling::kMean:
      return "mean";
    case Pooling::kCls:
      return "cls";
    case Pooling::kLast:
      return "last";
    case Pooling::kRank:
      return "rank";
  }
  return "?";
}

Result<Pooling> pooling_from_name(std::string_view name) {
  for (Pooling p :
       {Pooling::kNone, Pooling::kMean, Pooling::kCls, Pooling::kLast, Pooling::kRank}) {
    if (name == pooling_name(p)) return p;
  }
  return invalid_argument("pooling '" + std::string(name) +
                          "' is not one of none, mean, cls, last, rank");
}

Result<BertConfig> load_bert_config(const gguf::File& file) {
  BertConfig c;
  TESSERA_ASSIGN_OR_RETURN(c.arch, file.architecture());
  TESSERA_ASSIGN_OR_RETURN(c.architecture,
                           require_architecture(c.arch, ModelFamily::kEncoder, file.name()));
  const std::string& a = c.arch;
  TESSERA_ASSIGN_OR_RETURN(c.n_layers, required_dim(file, a + ".block_count"));
  TESSERA_ASSIGN_OR_RETURN(c.dim, required_dim(file, a + ".embedding_length"));
  TESSERA_ASSIGN_OR_RETURN(c.ffn, required_dim(file, a + ".feed_forward_length"));
  TESSERA_ASSIGN_OR_RETURN(c.n_heads, required_dim(file, a + ".attention.head_count"));
  TESSERA_ASSIGN_OR_RETURN(c.context, required_dim(file, a + ".context_length"));
  if (c.dim % c.n_heads != 0) {
    return data_loss(file.name() + ": " + a + ".embedding_length " + std::to_string(c.dim) +
                     " is not divisible by " + a + ".attention.head_count " +
                     std::to_string(c.n_heads));
  }
  c.head_dim = c.dim / c.n_heads;
  if (!c.architecture->encoder.position_table) TESSERA_RETURN_IF_ERROR(load_rope(file, c));
  if (file.find(a + ".attention.layer_norm_epsilon")) {
    TESSERA_ASSIGN_OR_RETURN(double eps, file.get_f64(a + ".attention.layer_norm_epsilon"));
    c.norm_eps = static_cast<float>(eps);
  }
  if (file.find(a + ".attention.causal")) {
    TESSERA_ASSIGN_OR_RETURN(bool causal, file.get_bool(a + ".attention.causal"));
    if (causal) {
      return unimplemented(file.name() + ": " + a +
                           ".attention.causal = true: causal encoders are not supported");
    }
  }
  if (file.find(a + ".pooling_type")) {
    TESSERA_ASSIGN_OR_RETURN(uint64_t pooling, file.get_u64(a + ".pooling_type"));
    if (pooling > static_cast<uint64_t>(Pooling::kRank)) {
      return unimplemented(file.name() + ": " + a + ".pooling_type = " + std::to_string(pooling) +
                           " is not supported (0 none, 1 mean, 2 cls, 3 last, 4 rank)");
    }
    c.pooling = static_cast<Pooling>(pooling);
  }
  const gguf::Value* tokens = file.find("tokenizer.ggml.tokens");
  if (tokens && tokens->is_array())
    c.vocab = static_cast<int64_t>(tokens->as_array().elements.size());
  if (file.find(a + ".vocab_size")) {
    TESSERA_ASSIGN_OR_RETURN(c.vocab, required_dim(file, a + ".vocab_size"));
  }
  return c;
}

EncoderShape BertConfig::shape() const {
  return EncoderShape{.layers = n_layers,
                      .dim = dim,
                      .ffn = ffn,
                      .vocab = vocab,
                      .context = context,
                      .token_types = token_types,
                      .rerank_outputs = rerank_head ? rerank_outputs : 0};
}

}  // namespace tessera
