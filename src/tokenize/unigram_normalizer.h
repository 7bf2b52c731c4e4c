// SentencePiece's normalizer as llama.cpp's UGM tokenizer applies it, before the unigram lattice:
//   1. walk the input, at each position taking, in this order,
//      - the longest run of bytes that begins some user-defined piece, copied unchanged. llama.cpp
//        follows such a piece byte by byte and copies whatever part matched, even part of a
//        character (the rest of which then becomes U+FFFD); we do the same, to give its ids,
//      - else the longest precompiled-charsmap key (replaced by its normalized text),
//      - else one UTF-8 character unchanged; a byte that does not start a well-formed sequence
//        becomes U+FFFD;
//   2. on the way, turn each space (0x20) of the result into U+2581 "▁" (escape_whitespaces) and
//      add the dummy prefix: one "▁" before the first non-space (add_space_prefix), or at the end
//      when whitespace is a suffix (treat_whitespace_as_suffix). With remove_extra_whitespaces,
//      leading, trailing and repeated spaces are dropped and every word gets one "▁" before it -
//      even the first, whatever add_space_prefix says (llama.cpp's rule, kept for equal ids).
// Only bytes 0x20 count as spaces: tabs and newlines are spaces only if the charsmap maps them so.
#pragma once

#include <string>
#include <string_view>

#include "tokenize/charsmap.h"
#include "tokenize/piece_index.h"

namespace tessera {

struct UnigramNormalizerOptions {
  bool add_space_prefix = false;  // tokenizer.ggml.add_space_prefix (llama.cpp's default: off)
  bool remove_extra_whitespaces = false;    // tokenizer.ggml.remove_extra_whitespaces
  bool escape_whitespaces = true;           // llama.cpp reads no key: always on for UGM
  bool treat_whitespace_as_suffix = false;  // llama.cpp reads no key: always off for UGM
};

class UnigramNormalizer {
 public:
  // `user_defined` indexes the user-defined pieces (views the owner keeps alive).
  UnigramNormalizer(PrecompiledCharsmap charsmap, PieceIndex user_defined,
                    UnigramNormalizerOptions options)
      : charsmap_(std::move(charsmap)), user_defined_(std::move(user_defined)), options_(options) {}

  std::string normalize(std::string_view text) const;

  const UnigramNormalizerOptions& options() const { return options_; }

 private:
  // The normalized form of the longest unit at the start of `text` (step 1); its input length in
  // `consumed` (at least 1 for non-empty text).
  std::string_view normalize_prefix(std::string_view text, size_t& consumed) const;

  PrecompiledCharsmap charsmap_;
  PieceIndex user_defined_;
  UnigramNormalizerOptions options_;
};

}  // namespace tessera
