#include "runtime/encode.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace tessera {
namespace {

// [CLS] and [SEP] around a single text; around a pair, [CLS], the separators between and [SEP].
constexpr int64_t kSingleSpecials = 2;

// Whether the vocabulary asks for a separator after the end token between a pair's parts.
Result<int64_t> pair_separators(const gguf::File& file) {
  const auto flag = [&](const char* key) -> Result<bool> {
    if (file.find(key) == nullptr) return false;
    return file.get_bool(key);
  };
  TESSERA_ASSIGN_OR_RETURN(const bool add_eos, flag("tokenizer.ggml.add_eos_token"));
  TESSERA_ASSIGN_OR_RETURN(const bool add_sep, flag("tokenizer.ggml.add_sep_token"));
  return add_eos && add_sep ? 2 : 1;
}

}  // namespace

void l2_normalize(float* v, int64_t n) {
  double sum_sq = 0.0;
  for (int64_t i = 0; i < n; ++i) sum_sq += static_cast<double>(v[i]) * v[i];
  if (sum_sq <= 0.0) return;
  const auto inv = static_cast<float>(1.0 / std::sqrt(sum_sq));
  for (int64_t i = 0; i < n; ++i) v[i] *= inv;
}

Result<std::unique_ptr<Encoder>> Encoder::load(const std::string& path, Backend& backend,
                                               Arena& arena, int64_t max_batch_tokens) {
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<BertModel> model,
                           BertModel::load(path, backend, arena, max_batch_tokens));
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer, make_tokenizer(model->file()));
  TESSERA_ASSIGN_OR_RETURN(BertSpecialIds special,
                           bert_special_ids(model->file(), tokenizer->vocab()));
  TESSERA_ASSIGN_OR_RETURN(const int64_t separators, pair_separators(model->file()));
  if (tokenizer->vocab().size() != model->config().vocab) {
    return data_loss(path + ": the tokenizer has " + std::to_string(tokenizer->vocab().size()) +
                     " tokens but token_embd has " + std::to_string(model->config().vocab) +
                     " rows");
  }
  return std::unique_ptr<Encoder>(
      new Encoder(std::move(model), std::move(tokenizer), special, separators));
}

Result<Pooling> Encoder::embed_pooling(const EncodeOptions& options) const {
  const std::string& name = model_->file().name();
  if (options.pooling) {
    if (*options.pooling == Pooling::kRank) {
      return invalid_argument("pooling rank scores (query, document) pairs; use rerank for " +
                              name);
    }
    return *options.pooling;
  }
  const std::optional<Pooling> pooling = model_->config().pooling;
  if (!pooling) {
    return invalid_argument(name + " has no " + model_->config().arch +
                            ".pooling_type, so it does not say how to make one "
                            "embedding per text; choose a pooling (mean, cls, last or none)");
  }
  if (*pooling == Pooling::kRank) {
    return invalid_argument(name + " is a reranker (" + model_->config().arch +
                            ".pooling_type = rank): it scores (query, "
                            "document) pairs rather than embedding texts; use rerank");
  }
  return *pooling;
}

Result<FramedInput> Encoder::frame_text(std::string_view text, int64_t index,
                                        const EncodeOptions& options) const {
  const int64_t context = model_->config().context;
  std::vector<int32_t> ids = tokenizer_->encode(text, /*add_special=*/false,
                                                /*parse_special=*/false);
  FramedInput in;
  const auto n = static_cast<int64_t>(ids.size());
  if (n + kSingleSpecials > context) {
    if (!options.truncate) {
      return invalid_argument(
          "text " + std::to_string(index) + " has " + std::to_string(n + kSingleSpecials) +
          " tokens with [CLS] and [SEP], more than the context of " + std::to_string(context) +
          " tokens of " + model_->file().name() + " (truncation is off)");
    }
    ids.resize(static_cast<size_t>(std::max<int64_t>(context - kSingleSpecials, 0)));
    in.truncated = true;
  }
  in.tokens.reserve(ids.size() + kSingleSpecials);
  in.tokens.push_back(special_.cls);
  in.tokens.insert(in.tokens.end(), ids.begin(), ids.end());
  in.tokens.push_back(special_.sep);
  in.token_types.assign(in.tokens.size(), 0);
  return in;
}

Result<FramedInput> Encoder::frame_pair(std::span<const int32_t> query, std::string_view document,
                                        int64_t index, const EncodeOptions& options) const {
  const int64_t context = model_->config().context;
  const std::vector<int32_t> doc = tokenizer_->encode(document, false, false);
  auto n_query = static_cast<int64_t>(query.size());
  auto n_doc = static_cast<int64_t>(doc.size());
  FramedInput in;
  const int64_t specials = 2 + pair_separators_;
  const int64_t budget = std::max<int64_t>(context - specials, 0);
  if (n_query + n_doc > budget) {
    if (!options.truncate) {
      return invalid_argument(
          "query and document " + std::to_string(index) + " have " +
          std::to_string(n_query + n_doc + specials) + " tokens with " + std::to_string(specials) +
          " special tokens, more than the context of " + std::to_string(context) + " tokens of " +
          model_->file().name() + " (truncation is off)");
    }
    // Hugging Face's "longest_first": the shorter part stays whole if it fits in half the budget
    // and the longer one gets the rest; otherwise they split it, the longer taking the odd token.
    // On equal lengths the query counts as the shorter.
    const bool query_shorter = n_query <= n_doc;
    int64_t shorter = std::min(n_query, n_doc), longer = 0;
    if (2 * shorter <= budget) {
      longer = budget - shorter;
    } else {
      shorter = budget / 2;
      longer = budget - shorter;
    }
    n_query = query_shorter ? shorter : longer;
    n_doc = query_shorter ? longer : shorter;
    in.truncated = true;
  }
  in.tokens.reserve(static_cast<size_t>(n_query + n_doc + specials));
  in.tokens.push_back(special_.cls);
  in.tokens.insert(in.tokens.end(), query.begin(), query.begin() + n_query);
  in.tokens.insert(in.tokens.end(), static_cast<size_t>(pair_separators_), special_.sep);
  const size_t first_b = in.tokens.size();
  in.tokens.insert(in.tokens.end(), doc.begin(), doc.begin() + n_doc);
  in.tokens.push_back(special_.sep);
  const int32_t segment_b = model_->config().token_types >= 2 ? 1 : 0;
  in.token_types.assign(in.tokens.size(), 0);
  std::fill(in.token_types.begin() + static_cast<std::ptrdiff_t>(first_b), in.token_types.end(),
            segment_b);
  return in;
}

Status Encoder::run_steps(std::span<const FramedInput> inputs, Pooling pooling,
                          const EncodeOptions& options,
                          const std::function<void(const EncoderOutput&, size_t)>& consume) {
  if (options.max_batch_tokens < 1) {
    return invalid_argument("max batch tokens must be positive, got " +
                            std::to_string(options.max_batch_tokens));
  }
  // The instance's workspace bounds a step too (a text of the whole context always fits alone).
  const int64_t step_limit = std::min(options.max_batch_tokens, model_->max_batch_tokens());
  std::vector<EncoderSequence> step;
  size_t first = 0;
  int64_t step_tokens = 0;
  auto flush = [&]() -> Status {
    if (step.empty()) return {};
    TESSERA_ASSIGN_OR_RETURN(EncoderOutput out, model_->encode(step, pooling));
    consume(out, first);
    first += step.size();
    step.clear();
    step_tokens = 0;
    return {};
  };
  for (const FramedInput& in : inputs) {
    const auto n = static_cast<int64_t>(in.tokens.size());
    if (!step.empty() && step_tokens + n > step_limit) {
      TESSERA_RETURN_IF_ERROR(flush());
    }
    step.push_back({in.tokens, in.token_types});
    step_tokens += n;
  }
  return flush();
}

Result<EmbedResult> Encoder::embed(std::span<const std::string> texts,
                                   const EncodeOptions& options) {
  if (texts.empty()) return invalid_argument("embed: no texts to embed");
  TESSERA_ASSIGN_OR_RETURN(const Pooling pooling, embed_pooling(options));
  EmbedResult result;
  result.pooling = pooling;
  result.dim = model_->config().dim;
  std::vector<FramedInput> inputs;
  inputs.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    TESSERA_ASSIGN_OR_RETURN(FramedInput in,
                             frame_text(texts[i], static_cast<int64_t>(i), options));
    result.tokens += static_cast<int64_t>(in.tokens.size());
    result.truncated += in.truncated ? 1 : 0;
    inputs.push_back(std::move(in));
  }
  result.embeddings.resize(texts.size());
  const int64_t dim = result.dim;
  TESSERA_RETURN_IF_ERROR(
      run_steps(inputs, pooling, options, [&](const EncoderOutput& out, size_t first) {
        const size_t n_seqs = out.row_begin.size();
        for (size_t s = 0; s < n_seqs; ++s) {
          const int64_t begin = out.row_begin[s];
          const int64_t end = pooling != Pooling::kNone
                                  ? begin + 1
                                  : (s + 1 < n_seqs ? out.row_begin[s + 1]
                                                    : static_cast<int64_t>(out.rows.size()) / dim);
          std::vector<float>& v = result.embeddings[first + s];
          v.assign(out.rows.begin() + begin * dim, out.rows.begin() + end * dim);
          if (options.normalize) {
            for (int64_t r = 0; r < end - begin; ++r) l2_normalize(v.data() + r * dim, dim);
          }
        }
      }));
  return result;
}

Result<RerankResult> Encoder::rerank(std::string_view query, std::span<const std::string> documents,
                                     const EncodeOptions& options) {
  if (documents.empty()) return invalid_argument("rerank: no documents to score");
  if (!model_->config().rerank_head) {
    return invalid_argument(model_->file().name() +
                            " has no reranker head (cls.output): it embeds texts but cannot "
                            "score (query, document) pairs");
  }
  const std::vector<int32_t> query_ids = tokenizer_->encode(query, false, false);
  RerankResult result;
  std::vector<FramedInput> inputs;
  inputs.reserve(documents.size());
  for (size_t i = 0; i < documents.size(); ++i) {
    TESSERA_ASSIGN_OR_RETURN(FramedInput in,
                             frame_pair(query_ids, documents[i], static_cast<int64_t>(i), options));
    result.tokens += static_cast<int64_t>(in.tokens.size());
    result.truncated += in.truncated ? 1 : 0;
    inputs.push_back(std::move(in));
  }
  result.scores.resize(documents.size());
  TESSERA_RETURN_IF_ERROR(
      run_steps(inputs, Pooling::kRank, options, [&](const EncoderOutput& out, size_t first) {
        for (size_t s = 0; s < out.row_begin.size(); ++s) {
          result.scores[first + s] = out.rows[s * static_cast<size_t>(out.width)];
        }
      }));
  return result;
}

}  // namespace tessera
