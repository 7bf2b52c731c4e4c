// Streams token ids back to text for a generation loop: pieces are accumulated as bytes and only
// complete UTF-8 is handed out, so a character split across byte tokens (an emoji spelled as four
// <0xXX> pieces, or a BPE token ending mid-character) is emitted once its last byte arrives. Bytes
// that can never become valid UTF-8 are replaced with U+FFFD as soon as that is certain, so every
// chunk returned is valid UTF-8 on its own (safe to put into JSON). Holds a reference to the
// tokenizer, which must outlive it. Not thread-safe: one per sequence.
#pragma once

#include <cstdint>
#include <string>

#include "tokenize/tokenizer.h"

namespace tessera {

class Detokenizer {
 public:
  // For generated text after a prompt, pass text_start = false so the first piece keeps its space.
  Detokenizer(const Tokenizer& tokenizer, DecodeOptions options);

  // Adds one token; returns the text it completed (possibly empty).
  std::string push(int32_t id);
  // Returns what is still held back (an incomplete character becomes U+FFFD) and resets the stream.
  std::string finish();

  // Bytes held back waiting for the rest of a character (at most 3).
  size_t pending_bytes() const { return pending_.size(); }

 private:
  const Tokenizer& tokenizer_;
  DecodeOptions options_;
  bool strip_space_;  // still waiting for the first non-empty piece of a text start
  std::string pending_;
};

}  // namespace tessera
