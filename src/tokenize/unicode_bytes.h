// GPT-2's reversible byte <-> unicode mapping used by byte-level BPE vocabularies: every byte
// becomes a printable code point (printable Latin-1 bytes map to themselves, the rest to U+0100
// upwards in byte order), so token texts never contain raw whitespace or control bytes. Space
// (0x20) becomes U+0120 'Ġ'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::unicode_bytes {

// The UTF-8 text of the code point byte `b` maps to.
std::string_view encode_byte(uint8_t b);

// Appends the mapped form of every byte of `raw` to `out`.
void encode(std::string_view raw, std::string& out);

// The byte a code point stands for, or nullopt if the code point is not in the mapping.
std::optional<uint8_t> byte_of(uint32_t cp);

// Maps a vocabulary token text back to raw bytes. Code points outside the mapping (which only
// hand-edited vocabularies contain) are kept as their own UTF-8 so no text is lost.
std::string decode(std::string_view mapped);

}  // namespace tessera::unicode_bytes
