// UTF-8 helpers shared by the tokenizers: sequence lengths, encoding a code point, and validation
// with the Unicode "maximal subpart" rule for replacing ill-formed bytes (Unicode 15, section 3.9,
// U+FFFD substitution of maximal subparts), so every consumer replaces bad input the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::utf8 {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Length of the sequence a lead byte announces (1 for ASCII and for bytes that cannot lead one).
inline size_t sequence_length(uint8_t lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF8) return 4;
  return 1;
}

// Appends the UTF-8 encoding of `cp` (which must be a Unicode scalar value) to `out`.
void append(std::string& out, uint32_t cp);

// Decodes the code point at the start of a valid sequence; returns its byte length in `length`.
// On an ill-formed prefix returns 0xFFFD with `length` = the maximal subpart length (at least 1).
uint32_t decode(std::string_view bytes, size_t& length);

// How a byte sequence starting at some position looks.
enum class Scan {
  kComplete,    // a well-formed character of `length` bytes
  kIncomplete,  // a well-formed prefix that runs into the end of the input
  kInvalid,     // an ill-formed maximal subpart of `length` bytes
};

// Classifies the bytes at the start of `bytes` (which must not be empty).
Scan scan(std::string_view bytes, size_t& length);

// Copies `bytes`, replacing each maximal ill-formed subpart (and a truncated tail) with U+FFFD.
std::string sanitize(std::string_view bytes);

}  // namespace tessera::utf8
