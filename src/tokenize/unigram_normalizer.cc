#include "tokenize/unigram_normalizer.h"

#include "tokenize/space_marker.h"
#include "tokenize/utf8.h"

namespace tessera {

namespace {

bool is_continuation(uint8_t byte) { return (byte & 0xC0) == 0x80; }

// The length of the UTF-8 sequence at the start of `text` (not empty), or 0 if it is ill-formed.
// Only the shape is checked (lead byte, then that many continuation bytes), as llama.cpp does:
// overlong forms and surrogates pass, and so agree with its ids.
size_t sequence_shape_length(std::string_view text) {
  const auto lead = static_cast<uint8_t>(text[0]);
  size_t length = 0;
  if (lead < 0x80) return 1;
  if (lead < 0xC0) return 0;  // a continuation byte cannot start a sequence
  if (lead < 0xE0) {
    length = 2;
  } else if (lead < 0xF0) {
    length = 3;
  } else if (lead < 0xF8) {
    length = 4;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if (!is_continuation(static_cast<uint8_t>(text[i]))) return 0;
  }
  return length;
}

}  // namespace

std::string_view UnigramNormalizer::normalize_prefix(std::string_view text,
                                                     size_t& consumed) const {
  consumed = user_defined_.empty() ? 0 : user_defined_.longest_shared_prefix(text);
  if (consumed > 0) return text.substr(0, consumed);

  std::string_view replacement;
  consumed = charsmap_.match(text, replacement);
  if (consumed > 0) return replacement;

  consumed = sequence_shape_length(text);
  if (consumed > 0) return text.substr(0, consumed);
  consumed = 1;
  return utf8::kReplacementChar;
}

std::string UnigramNormalizer::normalize(std::string_view text) const {
  const std::string_view space = options_.escape_whitespaces ? kSpaceMarker : " ";
  const bool prefix_space = options_.add_space_prefix && !options_.treat_whitespace_as_suffix;
  const bool suffix_space = options_.add_space_prefix && options_.treat_whitespace_as_suffix;
  const bool merge_spaces = options_.remove_extra_whitespaces;

  std::string out;
  out.reserve(text.size() * 3);
  bool prefix_added = false;
  bool in_word = false;  // the last byte written was not a space
  size_t pos = 0;
  while (pos < text.size()) {
    size_t consumed = 0;
    const std::string_view normalized = normalize_prefix(text.substr(pos), consumed);
    pos += consumed;
    for (const char c : normalized) {
      if (c == ' ') {
        in_word = false;
        if (!merge_spaces) out.append(space);
        continue;
      }
      if (!in_word) {
        in_word = true;
        // Merging spaces puts exactly one before every word, the first included.
        if ((prefix_space && !prefix_added) || merge_spaces) {
          out.append(space);
          prefix_added = true;
        }
      }
      out += c;
    }
  }
  if (suffix_space) out.append(space);
  return out;
}

}  // namespace tessera
