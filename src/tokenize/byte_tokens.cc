#include "tokenize/byte_tokens.h"

#include <string>

namespace tessera {

namespace {

std::optional<uint8_t> hex_digit(char c) {
  if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
  if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
  if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
  return std::nullopt;
}

}  // namespace

std::optional<uint8_t> parse_byte_token(std::string_view text) {
  constexpr std::string_view kPrefix = "<0x";
  if (text.size() != 6 || text.substr(0, 3) != kPrefix || text[5] != '>') return std::nullopt;
  const std::optional<uint8_t> hi = hex_digit(text[3]);
  const std::optional<uint8_t> lo = hex_digit(text[4]);
  if (!hi || !lo) return std::nullopt;
  return static_cast<uint8_t>(*hi << 4 | *lo);
}

std::array<int32_t, 256> find_byte_tokens(const Vocabulary& vocab) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::array<int32_t, 256> ids{};
  for (int b = 0; b < 256; ++b) {
    const std::string name = {
        '<', '0', 'x', kHex[static_cast<size_t>(b >> 4)], kHex[static_cast<size_t>(b & 15)], '>'};
    int32_t id = vocab.find(name);
    if (id == kNoToken) id = vocab.find(std::string(1, static_cast<char>(b)));
    if (id == kNoToken) id = vocab.special().unknown;
    ids[static_cast<size_t>(b)] = id;
  }
  return ids;
}

}  // namespace tessera
