// Texts to embeddings and (query, document) pairs to relevance scores with a BERT-family model:
// tokenize, frame with [CLS]/[SEP], truncate to the context (or refuse), pack many texts into each
// forward step, pool, and L2-normalize. `tessera run --embed/--rerank` and `perf --embed` use it;
// the serving layer's encode engine is meant to batch requests through the same calls.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backend/arena.h"
#include "backend/backend.h"
#include "base/status.h"
#include "models/bert_model.h"
#include "tokenize/tokenizer.h"
#include "tokenize/wordpiece.h"

namespace tessera {

struct EncodeOptions {
  // Embeddings: overrides bert.pooling_type (required when the file has none). Not for rerank.
  std::optional<Pooling> pooling;
  bool normalize = true;  // L2-normalize embeddings (each token's for pooling none)
  // Texts (pairs) longer than the model's context are cut to fit; false: an InvalidArgument error
  // naming the text instead.
  bool truncate = true;
  // Tokens per forward step: texts are packed into steps of at most this many tokens (a longer
  // text runs alone). Bounds the activation memory: about (5·dim + ffn)·4 bytes per token.
  int64_t max_batch_tokens = 2048;
};

struct EmbedResult {
  Pooling pooling = Pooling::kMean;
  int64_t dim = 0;
  // One vector per text; for pooling none, the text's token vectors back to back (size/dim rows).
  std::vector<std::vector<float>> embeddings;
  int64_t tokens = 0;     // tokens run, [CLS] and [SEP] included, after truncation
  int64_t truncated = 0;  // texts that were cut
};

struct RerankResult {
  std::vector<float> scores;  // raw relevance (the head's first output), one per document, in order
  int64_t tokens = 0;
  int64_t truncated = 0;
};

// The token ids and segment ids of one framed input.
struct FramedInput {
  std::vector<int32_t> tokens;
  std::vector<int32_t> token_types;
  bool truncated = false;
};

class Encoder {
 public:
  // Loads the model on `backend`, charging `arena` (BertModel::load), and builds its tokenizer
  // (which must be WordPiece-framed: [CLS] and [SEP]). `max_batch_tokens` sizes the workspace:
  // steps larger than it are split further.
  static Result<std::unique_ptr<Encoder>> load(const std::string& path, Backend& backend,
                                               Arena& arena, int64_t max_batch_tokens = 2048);

  const BertModel& model() const { return *model_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

  // The pooling embed() would use with `options`, or an InvalidArgument naming the model file
  // when the file has no pooling type (and none is chosen) or is a reranker.
  Result<Pooling> embed_pooling(const EncodeOptions& options) const;

  // [CLS] text [SEP], all segment 0. Too long: cut before [SEP] when truncating, else an error.
  Result<FramedInput> frame_text(std::string_view text, int64_t index,
                                 const EncodeOptions& options) const;
  // [CLS] query [SEP] document [SEP] with segment 0 up to the first [SEP] and 1 after it (as BERT
  // cross-encoders were trained; all 0 when the model has a single token type). RoBERTa-style
  // vocabularies that ask for both an end token and a separator (tokenizer.ggml.add_eos_token and
  // add_sep_token, as the converter writes XLM-RoBERTa's post-processor: bge-reranker-v2-m3) put
  // two between: <s> query </s></s> document </s>. Too long: the longer part loses tokens first
  // ("longest first", as Hugging Face truncates pairs).
  Result<FramedInput> frame_pair(std::span<const int32_t> query, std::string_view document,
                                 int64_t index, const EncodeOptions& options) const;

  // InvalidArgument for an empty list. Run on the model's backend, one call at a time.
  Result<EmbedResult> embed(std::span<const std::string> texts, const EncodeOptions& options);
  Result<RerankResult> rerank(std::string_view query, std::span<const std::string> documents,
                              const EncodeOptions& options);

 private:
  Encoder(std::unique_ptr<BertModel> model, std::unique_ptr<Tokenizer> tokenizer,
          BertSpecialIds special, int64_t pair_separators)
      : model_(std::move(model)),
        tokenizer_(std::move(tokenizer)),
        special_(special),
        pair_separators_(pair_separators) {}

  // Runs `inputs` in steps of at most options.max_batch_tokens tokens; `consume` receives each
  // step's output and the index of its first input.
  Status run_steps(std::span<const FramedInput> inputs, Pooling pooling,
                   const EncodeOptions& options,
                   const std::function<void(const EncoderOutput&, size_t)>& consume);

  std::unique_ptr<BertModel> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  BertSpecialIds special_;
  int64_t pair_separators_ = 1;  // separators between query and document (2 for RoBERTa's)
};

// Scales `v` (n floats) to unit L2 norm; a zero vector stays zero.
void l2_normalize(float* v, int64_t n);

}  // namespace tessera
