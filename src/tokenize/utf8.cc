#include "tokenize/utf8.h"

namespace tessera::utf8 {

namespace {

// The accepted range of the second byte after each lead byte (Unicode Table 3-7, well-formed
// UTF-8); later continuation bytes are always 0x80..0xBF.
struct LeadRule {
  size_t length;
  uint8_t second_min;
  uint8_t second_max;
};

LeadRule rule_for(uint8_t lead) {
  if (lead < 0x80) return {1, 0, 0};
  if (lead >= 0xC2 && lead <= 0xDF) return {2, 0x80, 0xBF};
  if (lead == 0xE0) return {3, 0xA0, 0xBF};
  if (lead == 0xED) return {3, 0x80, 0x9F};  // excludes surrogates
  if (lead >= 0xE1 && lead <= 0xEF) return {3, 0x80, 0xBF};
  if (lead == 0xF0) return {4, 0x90, 0xBF};
  if (lead >= 0xF1 && lead <= 0xF3) return {4, 0x80, 0xBF};
  if (lead == 0xF4) return {4, 0x80, 0x8F};  // caps at U+10FFFF
  return {0, 0, 0};                          // 0x80..0xC1 and 0xF5..0xFF never lead
}

}  // namespace

void append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

Scan scan(std::string_view bytes, size_t& length) {
  const auto lead = static_cast<uint8_t>(bytes[0]);
  const LeadRule rule = rule_for(lead);
  if (rule.length == 0) {
    length = 1;
    return Scan::kInvalid;
  }
  for (size_t i = 1; i < rule.length; ++i) {
    if (i >= bytes.size()) {
      length = i;
      return Scan::kIncomplete;
    }
    const auto b = static_cast<uint8_t>(bytes[i]);
    const uint8_t lo = i == 1 ? rule.second_min : 0x80;
    const uint8_t hi = i == 1 ? rule.second_max : 0xBF;
    if (b < lo || b > hi) {
      length = i;
      return Scan::kInvalid;
    }
  }
  length = rule.length;
  return Scan::kComplete;
}

uint32_t decode(std::string_view bytes, size_t& length) {
  if (scan(bytes, length) != Scan::kComplete) return 0xFFFD;
  const auto b0 = static_cast<uint8_t>(bytes[0]);
  switch (length) {
    case 1:
      return b0;
    case 2:
      return (b0 & 0x1Fu) << 6 | (static_cast<uint8_t>(bytes[1]) & 0x3Fu);
    case 3:
      return (b0 & 0x0Fu) << 12 | (static_cast<uint8_t>(bytes[1]) & 0x3Fu) << 6 |
             (static_cast<uint8_t>(bytes[2]) & 0x3Fu);
    default:
      return (b0 & 0x07u) << 18 | (static_cast<uint8_t>(bytes[1]) & 0x3Fu) << 12 |
             (static_cast<uint8_t>(bytes[2]) & 0x3Fu) << 6 |
             (static_cast<uint8_t>(bytes[3]) & 0x3Fu);
  }
}

std::string sanitize(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t length = 0;
    if (scan(bytes.substr(pos), length) == Scan::kComplete) {
      out.append(bytes.substr(pos, length));
    } else {
      out.append(kReplacementChar);
    }
    pos += length;
  }
  return out;
}

}  // namespace tessera::utf8
