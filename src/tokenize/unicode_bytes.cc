#include "tokenize/unicode_bytes.h"

#include <array>

#include "tokenize/utf8.h"

namespace tessera::unicode_bytes {

namespace {

// The bytes GPT-2 considers printable keep their own code point: '!'..'~', '¡'..'¬', '®'..'ÿ'.
bool keeps_own_code_point(uint32_t b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

// The first code point handed to non-printable bytes, assigned in increasing byte order.
constexpr uint32_t kFirstRemappedCodePoint = 0x100;
constexpr uint32_t kMappedCodePointLimit = kFirstRemappedCodePoint + 256;

struct Tables {
  std::array<std::string, 256> utf8_of_byte;
  std::array<int16_t, kMappedCodePointLimit> byte_of_cp;  // -1: not a mapped code point

  Tables() {
    byte_of_cp.fill(-1);
    uint32_t next = kFirstRemappedCodePoint;
    for (uint32_t b = 0; b < 256; ++b) {
      const uint32_t cp = keeps_own_code_point(b) ? b : next++;
      utf8::append(utf8_of_byte[b], cp);
      byte_of_cp[cp] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables kTables;
  return kTables;
}

}  // namespace

std::string_view encode_byte(uint8_t b) { return tables().utf8_of_byte[b]; }

void encode(std::string_view raw, std::string& out) {
  const Tables& t = tables();
  for (char c : raw) out += t.utf8_of_byte[static_cast<uint8_t>(c)];
}

std::optional<uint8_t> byte_of(uint32_t cp) {
  if (cp >= kMappedCodePointLimit) return std::nullopt;
  const int16_t b = tables().byte_of_cp[cp];
  if (b < 0) return std::nullopt;
  return static_cast<uint8_t>(b);
}

std::string decode(std::string_view mapped) {
  std::string out;
  out.reserve(mapped.size());
  size_t pos = 0;
  while (pos < mapped.size()) {
    size_t length = 0;
    const uint32_t cp = utf8::decode(mapped.substr(pos), length);
    const std::optional<uint8_t> b = byte_of(cp);
    if (b.has_value()) {
      out += static_cast<char>(*b);
    } else {
      out.append(mapped.substr(pos, length));
    }
    pos += length;
  }
  return out;
}

}  // namespace tessera::unicode_bytes
