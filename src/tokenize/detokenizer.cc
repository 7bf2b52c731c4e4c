#include "tokenize/detokenizer.h"

#include "tokenize/utf8.h"

namespace tessera {

Detokenizer::Detokenizer(const Tokenizer& tokenizer, DecodeOptions options)
    : tokenizer_(tokenizer),
      options_(options),
      strip_space_(options.text_start && tokenizer.strips_leading_space()) {}

std::string Detokenizer::push(int32_t id) {
  std::string_view piece = tokenizer_.token_to_piece(id, options_.special);
  if (piece.empty()) return {};
  if (strip_space_ && piece.front() == ' ') piece.remove_prefix(1);
  strip_space_ = false;
  pending_.append(piece);

  std::string out;
  size_t pos = 0;
  while (pos < pending_.size()) {
    size_t length = 0;
    const utf8::Scan scan = utf8::scan(std::string_view(pending_).substr(pos), length);
    if (scan == utf8::Scan::kIncomplete) break;  // wait for the next token
    if (scan == utf8::Scan::kComplete) {
      out.append(pending_, pos, length);
    } else {
      out.append(utf8::kReplacementChar);
    }
    pos += length;
  }
  pending_.erase(0, pos);
  return out;
}

std::string Detokenizer::finish() {
  std::string out = utf8::sanitize(pending_);
  pending_.clear();
  strip_space_ = options_.text_start && tokenizer_.strips_leading_space();
  return out;
}

}  // namespace tessera
