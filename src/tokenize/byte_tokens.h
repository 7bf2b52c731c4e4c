// SentencePiece byte-fallback pieces: "<0xXX>" tokens that stand for one raw byte each.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "tokenize/vocabulary.h"

namespace tessera {

// The byte a "<0xXX>" token text names (two uppercase or lowercase hex digits), or nullopt.
std::optional<uint8_t> parse_byte_token(std::string_view text);

// For every byte, the token that spells it: "<0xXX>"; else a token whose text is that single byte;
// else the unknown token; else kNoToken (the byte cannot be encoded and is dropped).
std::array<int32_t, 256> find_byte_tokens(const Vocabulary& vocab);

}  // namespace tessera
