// The token table of a GGUF model: texts, scores, types, special ids and tokenizer flags, read once
// from tokenizer.ggml.* metadata, with a hash index from text to id. Model-specific data (BPE
// merges) stays with the tokenizer that uses it. A Vocabulary owns its strings; the index holds
// views into them, so it is move-only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"

namespace tessera {

inline constexpr int32_t kNoToken = -1;

// tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
enum class TokenType : uint8_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,      // <s>, </s>, <|endoftext|>: structure, not text
  kUserDefined = 4,  // added tokens always matched as a whole in input text
  kUnused = 5,
  kByte = 6,  // SentencePiece byte fallback pieces "<0xXX>"
};

struct SpecialTokenIds {
  int32_t bos = kNoToken;
  int32_t eos = kNoToken;
  int32_t unknown = kNoToken;
  int32_t padding = kNoToken;
  int32_t separator = kNoToken;
  int32_t cls = kNoToken;  // BERT's [CLS] (tokenizer.ggml.cls_token_id)
};

class Vocabulary {
 public:
  // Reads tokenizer.ggml.{model, pre, tokens, scores, token_type, *_token_id, add_*}. Errors name
  // the file and key: NotFound for a missing required key, DataLoss for a malformed one.
  static Result<Vocabulary> from_gguf(const gguf::File& file);

  Vocabulary(Vocabulary&&) noexcept = default;
  Vocabulary& operator=(Vocabulary&&) noexcept = default;
  Vocabulary(const Vocabulary&) = delete;
  Vocabulary& operator=(const Vocabulary&) = delete;

  const std::string& source() const { return source_; }  // the file name, for messages
  const std::string& model() const { return model_; }    // tokenizer.ggml.model
  const std::string& pre() const { return pre_; }        // tokenizer.ggml.pre, "default" if absent

  int32_t size() const { return static_cast<int32_t>(texts_.size()); }
  bool contains(int32_t id) const { return id >= 0 && id < size(); }
  const std::string& text(int32_t id) const { return texts_[static_cast<size_t>(id)]; }
  float score(int32_t id) const {
    return scores_.empty() ? 0.0f : scores_[static_cast<size_t>(id)];
  }
  TokenType type(int32_t id) const { return types_[static_cast<size_t>(id)]; }
  // Control, unknown and unused tokens stand for no text unless asked for.
  bool is_hidden(int32_t id) const;
  // The id whose text is `text`, or kNoToken. Duplicated texts resolve to the last id, as
  // llama.cpp.
  int32_t find(std::string_view text) const;

  const SpecialTokenIds& special() const { return special_; }
  // Flags as stored; absent means "the model's default" (decided by the tokenizer).
  std::optional<bool> add_bos() const { return add_bos_; }
  std::optional<bool> add_eos() const { return add_eos_; }
  std::optional<bool> add_space_prefix() const { return add_space_prefix_; }

 private:
  Vocabulary() = default;
  Status read_special_ids(const gguf::File& file);

  std::string source_;
  std::string model_;
  std::string pre_;
  std::vector<std::string> texts_;
  std::vector<float> scores_;  // empty when the file has none (BPE)
  std::vector<TokenType> types_;
  std::unordered_map<std::string_view, int32_t> index_;  // views into texts_
  SpecialTokenIds special_;
  std::optional<bool> add_bos_;
  std::optional<bool> add_eos_;
  std::optional<bool> add_space_prefix_;
};

const char* token_type_name(TokenType type);

}  // namespace tessera
