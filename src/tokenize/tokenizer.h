// Text <-> token ids for a model, built from its GGUF tokenizer metadata. The base class owns what
// all models share (vocabulary, special-token splitting, BOS/EOS, pieces for decoding); each model
// (SentencePiece BPE, byte-level BPE, WordPiece, SentencePiece unigram) implements how a plain
// fragment becomes ids.
// Tokenizers are immutable after construction; encode and decode may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "tokenize/special_tokens.h"
#include "tokenize/vocabulary.h"

namespace tessera {

struct DecodeOptions {
  bool special = false;  // render control/unknown/unused tokens as their text
  // The ids begin a text: drop the one space SentencePiece's space prefix added to the first piece.
  // Leave false when continuing after a prompt (generated text keeps its leading space).
  bool text_start = true;
};

class Tokenizer {
 public:
  virtual ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  const Vocabulary& vocab() const { return vocab_; }
  // Whether encode(add_special=true) prepends a token (BOS; [CLS] for WordPiece) / appends one
  // (EOS; [SEP] for WordPiece).
  bool add_bos() const { return first_token_ != kNoToken; }
  bool add_eos() const { return last_token_ != kNoToken; }
  // Whether decoding from a text start drops one leading space (see DecodeOptions::text_start).
  bool strips_leading_space() const { return strips_leading_space_; }

  // `add_special`: BOS/EOS as the model wants them. `parse_special`: control tokens written in the
  // text ("<|endoftext|>") become their ids; user-defined tokens are matched either way.
  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;

  // The bytes token `id` stands for (not necessarily complete UTF-8). Hidden tokens (control,
  // unknown, unused) give "" unless `special`; ids outside the vocabulary give "".
  std::string_view token_to_piece(int32_t id, bool special = false) const;

  // The bytes of a whole sequence (exactly the encoded text for valid input).
  std::string decode(std::span<const int32_t> ids, DecodeOptions options = {}) const;

 protected:
  Tokenizer(Vocabulary vocab, bool add_bos, bool add_eos, bool strips_leading_space);

  // Tokenizes a fragment of raw text that holds no special token. `after_special`: the fragment
  // starts the text or follows a special token (SentencePiece adds its space prefix there).
  virtual void encode_fragment(std::string_view text, bool after_special,
                               std::vector<int32_t>& out) const = 0;

  // The tokens encode(add_special=true) puts around the text, when they are not BOS/EOS.
  void set_added_tokens(int32_t first, int32_t last) {
    first_token_ = first;
    last_token_ = last;
  }

  // Models set the decoded bytes of each token once, at construction; defaults to the token text.
  void set_piece(int32_t id, std::string piece) {
    pieces_[static_cast<size_t>(id)] = std::move(piece);
  }

 private:
  Vocabulary vocab_;
  SpecialTokenMatcher specials_;
  std::vector<std::string> pieces_;
  int32_t first_token_;  // kNoToken: none
  int32_t last_token_;
  bool strips_leading_space_;
};

// Builds the tokenizer tokenizer.ggml.model names: "llama" (SentencePiece BPE), "gpt2" (byte-level
// BPE), "bert" (WordPiece) or "t5" (SentencePiece unigram). Errors name the file and key: missing
// or malformed metadata, or an unsupported model or pre-tokenizer (Unimplemented).
Result<std::unique_ptr<Tokenizer>> make_tokenizer(const gguf::File& file);

}  // namespace tessera
