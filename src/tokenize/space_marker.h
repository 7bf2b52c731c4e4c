// SentencePiece's stand-in for a space inside pieces, shared by its BPE (spm) and unigram models.
#pragma once

#include <string>
#include <string_view>

namespace tessera {

inline constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK

// A piece's text as the bytes it decodes to: every marker becomes a space.
std::string unescape_spaces(std::string_view text);

}  // namespace tessera
