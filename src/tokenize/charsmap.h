// SentencePiece's precompiled normalization map (GGUF tokenizer.ggml.precompiled_charsmap): which
// input byte sequences are replaced by which normalized text (NFKC folding, full-width to ASCII,
// ligatures, odd white space). The bytes are, all little-endian:
//   u32 trie_bytes | trie_bytes / 4 units of a Darts-clone double-array trie | strings
// where `strings` holds the NUL-terminated replacements and each key's trie value is the offset of
// its replacement in `strings`. A trie unit packs (bit 31 set marks a value unit instead):
//   bits 0-7 label, bit 8 has-leaf, bit 9 offset is shifted by 8, bits 10-30 offset.
// From node unit q the children base is p = q ^ offset(q); byte c leads to unit p ^ c if that
// unit's label is c, and a key ending at q (has-leaf) keeps its value in unit p (the label-0 slot).
// Parsing checks every key reachable in the trie, so matching never reads outside the data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"

namespace tessera {

inline constexpr std::string_view kCharsmapKey = "tokenizer.ggml.precompiled_charsmap";

class PrecompiledCharsmap {
 public:
  // No replacements: every match() fails.
  PrecompiledCharsmap() = default;

  // Errors (DataLoss) start with `where` (the file and key) and say what is malformed: shorter
  // than its 4-byte header, a trie size that is not whole units or runs past the end (or leaves
  // no room for the strings), a key whose value unit lies outside the trie, or a replacement
  // offset outside the strings or without a NUL terminator.
  static Result<PrecompiledCharsmap> parse(std::span<const uint8_t> bytes, std::string_view where);

  // The longest key that is a prefix of `text`: returns its length in bytes and sets
  // `replacement` (possibly empty: the key is deleted); returns 0 when no key matches. Keys never
  // match across a NUL byte of `text`.
  size_t match(std::string_view text, std::string_view& replacement) const;

  bool empty() const { return units_.empty(); }

 private:
  std::vector<uint32_t> units_;
  std::string strings_;
};

// The charsmap of `file`, or nullopt when the key is absent (identity normalization). An array of
// any element type but u8/i8, or a malformed map, is DataLoss naming the file and key.
Result<std::optional<PrecompiledCharsmap>> read_precompiled_charsmap(const gguf::File& file);

}  // namespace tessera
