#include "tokenize/tokenizer.h"

#include "tokenize/bpe.h"
#include "tokenize/spm.h"
#include "tokenize/unigram.h"
#include "tokenize/wordpiece.h"

namespace tessera {

Tokenizer::Tokenizer(Vocabulary vocab, bool add_bos, bool add_eos, bool strips_leading_space)
    : vocab_(std::move(vocab)),
      specials_(vocab_),
      first_token_(add_bos ? vocab_.special().bos : kNoToken),
      last_token_(add_eos ? vocab_.special().eos : kNoToken),
      strips_leading_space_(strips_leading_space) {
  pieces_.reserve(static_cast<size_t>(vocab_.size()));
  for (int32_t id = 0; id < vocab_.size(); ++id) pieces_.push_back(vocab_.text(id));
}

Tokenizer::~Tokenizer() = default;

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 2 + 2);
  if (add_special && first_token_ != kNoToken) ids.push_back(first_token_);

  std::vector<TextFragment> fragments;
  specials_.split(text, parse_special, fragments);
  bool after_special = true;
  for (const TextFragment& fragment : fragments) {
    if (fragment.token != kNoToken) {
      ids.push_back(fragment.token);
      after_special = true;
    } else {
      encode_fragment(fragment.text, after_special, ids);
      after_special = false;
    }
  }

  if (add_special && last_token_ != kNoToken) ids.push_back(last_token_);
  return ids;
}

std::string_view Tokenizer::token_to_piece(int32_t id, bool special) const {
  if (!vocab_.contains(id)) return {};
  if (!special && vocab_.is_hidden(id)) return {};
  return pieces_[static_cast<size_t>(id)];
}

std::string Tokenizer::decode(std::span<const int32_t> ids, DecodeOptions options) const {
  std::string text;
  bool strip = options.text_start && strips_leading_space_;
  for (const int32_t id : ids) {
    std::string_view piece = token_to_piece(id, options.special);
    if (piece.empty()) continue;
    if (strip && piece.front() == ' ') piece.remove_prefix(1);
    strip = false;
    text.append(piece);
  }
  return text;
}

Result<std::unique_ptr<Tokenizer>> make_tokenizer(const gguf::File& file) {
  TESSERA_ASSIGN_OR_RETURN(Vocabulary vocab, Vocabulary::from_gguf(file));
  const std::string model = vocab.model();
  if (model == "llama") return make_spm_tokenizer(std::move(vocab));
  if (model == "gpt2") return make_bpe_tokenizer(file, std::move(vocab));
  if (model == "bert") return make_wordpiece_tokenizer(std::move(vocab));
  if (model == "t5") return make_unigram_tokenizer(file, std::move(vocab));
  return unimplemented(file.name() + ": metadata key 'tokenizer.ggml.model' = \"" + model +
                       "\" is not a supported tokenizer model (supported: llama, gpt2, bert, t5)");
}

}  // namespace tessera
