#include "tokenize/vocabulary.h"

#include <limits>

#include "tokenize/metadata.h"

namespace tessera {

namespace {

namespace md = tokenize_metadata;

constexpr std::string_view kModelKey = "tokenizer.ggml.model";
constexpr std::string_view kPreKey = "tokenizer.ggml.pre";
constexpr std::string_view kTokensKey = "tokenizer.ggml.tokens";
constexpr std::string_view kScoresKey = "tokenizer.ggml.scores";
constexpr std::string_view kTokenTypeKey = "tokenizer.ggml.token_type";
constexpr int64_t kMaxTokenType = static_cast<int64_t>(TokenType::kByte);

// Reads an optional token id. Negative values (some converters write -1 for "none") mean absent.
// Out-of-range ids are an error when `required_in_range` (the tokenizer emits them), otherwise
// they are dropped: a stale padding id must not make a model unloadable.
Result<int32_t> read_token_id(const gguf::File& file, std::string_view key, int32_t n_tokens,
                              bool required_in_range) {
  const gguf::Value* value = file.find(key);
  if (value == nullptr) return kNoToken;
  if (!value->is_integer()) {
    return data_loss(md::where(file, key) + " has type " + gguf::value_type_name(value->type) +
                     ", expected an integer token id");
  }
  if (std::holds_alternative<int64_t>(value->data) && value->as_i64() < 0) return kNoToken;
  const uint64_t id = value->as_u64();
  if (id >= static_cast<uint64_t>(n_tokens)) {
    if (!required_in_range) return kNoToken;
    return data_loss(md::where(file, key) + " = " + std::to_string(id) +
                     " is out of range: the vocabulary has " + std::to_string(n_tokens) +
                     " tokens");
  }
  return static_cast<int32_t>(id);
}

}  // namespace

const char* token_type_name(TokenType type) {
  switch (type) {
    case TokenType::kUndefined:
      return "undefined";
    case TokenType::kNormal:
      return "normal";
    case TokenType::kUnknown:
      return "unknown";
    case TokenType::kControl:
      return "control";
    case TokenType::kUserDefined:
      return "user-defined";
    case TokenType::kUnused:
      return "unused";
    case TokenType::kByte:
      return "byte";
  }
  return "invalid";
}

bool Vocabulary::is_hidden(int32_t id) const {
  const TokenType t = type(id);
  return t == TokenType::kControl || t == TokenType::kUnknown || t == TokenType::kUnused;
}

int32_t Vocabulary::find(std::string_view text) const {
  const auto it = index_.find(text);
  return it == index_.end() ? kNoToken : it->second;
}

Result<Vocabulary> Vocabulary::from_gguf(const gguf::File& file) {
  Vocabulary vocab;
  vocab.source_ = file.name();
  TESSERA_ASSIGN_OR_RETURN(vocab.model_, file.get_string(kModelKey));
  TESSERA_ASSIGN_OR_RETURN(std::optional<std::string> pre, md::optional_string(file, kPreKey));
  vocab.pre_ = pre.value_or("default");

  TESSERA_ASSIGN_OR_RETURN(const gguf::Array* tokens, md::string_array(file, kTokensKey));
  if (tokens->elements.empty()) return data_loss(md::where(file, kTokensKey) + " is empty");
  if (tokens->elements.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return data_loss(md::where(file, kTokensKey) + " has " +
                     std::to_string(tokens->elements.size()) +
                     " entries, more than int32 ids hold");
  }
  const size_t n = tokens->elements.size();
  vocab.texts_.reserve(n);
  for (const gguf::Value& token : tokens->elements) vocab.texts_.push_back(token.as_string());

  TESSERA_ASSIGN_OR_RETURN(const gguf::Array* scores,
                           md::optional_number_array(file, kScoresKey, n));
  if (scores != nullptr) {
    vocab.scores_.reserve(n);
    for (const gguf::Value& s : scores->elements) {
      vocab.scores_.push_back(static_cast<float>(s.as_f64()));
    }
  }

  TESSERA_ASSIGN_OR_RETURN(const gguf::Array* types,
                           md::optional_number_array(file, kTokenTypeKey, n));
  vocab.types_.assign(n, TokenType::kNormal);
  if (types != nullptr) {
    for (size_t i = 0; i < n; ++i) {
      const gguf::Value& t = types->elements[i];
      const bool in_range =
          t.is_integer() && (std::holds_alternative<uint64_t>(t.data)
                                 ? t.as_u64() <= kMaxTokenType
                                 : t.as_i64() >= 0 && t.as_i64() <= kMaxTokenType);
      if (!in_range) {
        return data_loss(md::where(file, kTokenTypeKey) + ": element " + std::to_string(i) + " = " +
                         t.to_display() + " is not a token type (0..6)");
      }
      vocab.types_[i] = static_cast<TokenType>(t.as_u64());
    }
  }

  vocab.index_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    vocab.index_[vocab.texts_[i]] = static_cast<int32_t>(i);
  }

  TESSERA_RETURN_IF_ERROR(vocab.read_special_ids(file));
  TESSERA_ASSIGN_OR_RETURN(vocab.add_bos_, md::optional_bool(file, "tokenizer.ggml.add_bos_token"));
  TESSERA_ASSIGN_OR_RETURN(vocab.add_eos_, md::optional_bool(file, "tokenizer.ggml.add_eos_token"));
  TESSERA_ASSIGN_OR_RETURN(vocab.add_space_prefix_,
                           md::optional_bool(file, "tokenizer.ggml.add_space_prefix"));
  return vocab;
}

Status Vocabulary::read_special_ids(const gguf::File& file) {
  const int32_t n = size();
  TESSERA_ASSIGN_OR_RETURN(special_.bos,
                           read_token_id(file, "tokenizer.ggml.bos_token_id", n, true));
  TESSERA_ASSIGN_OR_RETURN(special_.eos,
                           read_token_id(file, "tokenizer.ggml.eos_token_id", n, true));
  TESSERA_ASSIGN_OR_RETURN(special_.unknown,
                           read_token_id(file, "tokenizer.ggml.unknown_token_id", n, true));
  TESSERA_ASSIGN_OR_RETURN(special_.padding,
                           read_token_id(file, "tokenizer.ggml.padding_token_id", n, false));
  // llama.cpp's key is spelled "seperator"; accept the correct spelling too.
  TESSERA_ASSIGN_OR_RETURN(special_.separator,
                           read_token_id(file, "tokenizer.ggml.seperator_token_id", n, false));
  if (special_.separator == kNoToken) {
    TESSERA_ASSIGN_OR_RETURN(special_.separator,
                             read_token_id(file, "tokenizer.ggml.separator_token_id", n, false));
  }
  TESSERA_ASSIGN_OR_RETURN(special_.cls,
                           read_token_id(file, "tokenizer.ggml.cls_token_id", n, false));
  return Status();
}

}  // namespace tessera
