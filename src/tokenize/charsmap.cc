#include "tokenize/charsmap.h"

#include "tokenize/metadata.h"

namespace tessera {

namespace {

constexpr size_t kHeaderBytes = 4;  // the u32 trie size
constexpr size_t kUnitBytes = 4;
constexpr uint32_t kValueBit = 1u << 31;
constexpr uint32_t kLeafBit = 1u << 8;
constexpr uint32_t kShiftedOffsetBit = 1u << 9;
constexpr uint32_t kLabelMask = kValueBit | 0xFF;  // a value unit never equals a byte label
constexpr int kOffsetShift = 10;
constexpr int kLargeOffsetShift = 8;  // offsets past 21 bits are stored divided by 256

uint32_t unit_label(uint32_t unit) { return unit & kLabelMask; }
bool unit_has_leaf(uint32_t unit) { return (unit & kLeafBit) != 0; }
uint32_t unit_offset(uint32_t unit) {
  const int shift = (unit & kShiftedOffsetBit) != 0 ? kLargeOffsetShift : 0;
  return (unit >> kOffsetShift) << shift;
}
uint32_t unit_value(uint32_t unit) { return unit & ~kValueBit; }

uint32_t read_u32_le(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

Result<PrecompiledCharsmap> PrecompiledCharsmap::parse(std::span<const uint8_t> bytes,
                                                       std::string_view where) {
  const std::string prefix(where);
  if (bytes.size() < kHeaderBytes) {
    return data_loss(prefix + " has " + std::to_string(bytes.size()) +
                     " bytes, too short for its 4-byte trie size header");
  }
  const uint32_t trie_bytes = read_u32_le(bytes.data());
  if (trie_bytes % kUnitBytes != 0) {
    return data_loss(prefix + ": trie size " + std::to_string(trie_bytes) +
                     " is not a whole number of 4-byte units");
  }
  const size_t rest = bytes.size() - kHeaderBytes;
  if (trie_bytes > rest) {
    return data_loss(prefix + ": trie size " + std::to_string(trie_bytes) +
                     " runs past the end of the array (" + std::to_string(rest) +
                     " bytes follow the header)");
  }
  if (trie_bytes == rest) {
    return data_loss(prefix + ": trie size " + std::to_string(trie_bytes) +
                     " leaves no bytes for the replacement strings");
  }

  PrecompiledCharsmap map;
  map.units_.resize(trie_bytes / kUnitBytes);
  for (size_t i = 0; i < map.units_.size(); ++i) {
    map.units_[i] = read_u32_le(bytes.data() + kHeaderBytes + i * kUnitBytes);
  }
  const auto strings = bytes.subspan(kHeaderBytes + trie_bytes);
  map.strings_.assign(strings.begin(), strings.end());
  if (map.units_.empty()) return map;

  // Walk every node reachable from the root once, so that match() can trust what it reaches.
  const size_t n_units = map.units_.size();
  const size_t last_nul = map.strings_.rfind('\0');
  std::vector<bool> visited(n_units, false);
  std::vector<uint32_t> bases = {unit_offset(map.units_[0])};
  while (!bases.empty()) {
    const uint32_t base = bases.back();
    bases.pop_back();
    for (uint32_t c = 1; c <= 0xFF; ++c) {
      const uint32_t node = base ^ c;
      if (node >= n_units || visited[node] || unit_label(map.units_[node]) != c) continue;
      visited[node] = true;
      const uint32_t child_base = node ^ unit_offset(map.units_[node]);
      if (unit_has_leaf(map.units_[node])) {
        const std::string at = prefix + ": trie unit " + std::to_string(node);
        if (child_base >= n_units) {
          return data_loss(at + " ends a key whose value unit " + std::to_string(child_base) +
                           " lies outside the " + std::to_string(n_units) + "-unit trie");
        }
        const uint32_t offset = unit_value(map.units_[child_base]);
        if (offset >= map.strings_.size()) {
          return data_loss(at + " points at replacement offset " + std::to_string(offset) +
                           ", outside the " + std::to_string(map.strings_.size()) +
                           " bytes of replacement strings");
        }
        if (last_nul == std::string::npos || last_nul < offset) {
          return data_loss(at + " points at a replacement string (offset " +
                           std::to_string(offset) + ") with no NUL terminator");
        }
      }
      bases.push_back(child_base);
    }
  }
  return map;
}

size_t PrecompiledCharsmap::match(std::string_view text, std::string_view& replacement) const {
  if (units_.empty()) return 0;
  size_t longest = 0;
  uint32_t offset = 0;
  uint32_t base = unit_offset(units_[0]);
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<uint8_t>(text[i]);
    if (c == 0) break;  // NUL ends a key in SentencePiece's trie, never continues one
    const uint32_t node = base ^ c;
    if (node >= units_.size() || unit_label(units_[node]) != c) break;
    base = node ^ unit_offset(units_[node]);
    if (unit_has_leaf(units_[node]) && base < units_.size()) {
      longest = i + 1;
      offset = unit_value(units_[base]);
    }
  }
  if (longest == 0) return 0;
  // parse() checked that every reachable offset is inside strings_ and NUL-terminated.
  const size_t end = strings_.find('\0', offset);
  replacement = std::string_view(strings_).substr(offset, end - offset);
  return longest;
}

Result<std::optional<PrecompiledCharsmap>> read_precompiled_charsmap(const gguf::File& file) {
  const gguf::Value* value = file.find(kCharsmapKey);
  if (value == nullptr) return std::optional<PrecompiledCharsmap>();
  const std::string where = tokenize_metadata::where(file, kCharsmapKey);
  if (!value->is_array()) {
    return data_loss(where + " has type " + gguf::value_type_name(value->type) +
                     ", expected an array of u8");
  }
  const gguf::Array& array = value->as_array();
  const bool bytes_type =
      array.element_type == gguf::ValueType::kU8 || array.element_type == gguf::ValueType::kI8;
  if (!bytes_type) {
    return data_loss(where + " is an array of " + gguf::value_type_name(array.element_type) +
                     ", expected an array of u8");
  }
  std::vector<uint8_t> bytes;
  bytes.reserve(array.elements.size());
  for (const gguf::Value& e : array.elements) {
    bytes.push_back(array.element_type == gguf::ValueType::kU8
                        ? static_cast<uint8_t>(e.as_u64())
                        : static_cast<uint8_t>(static_cast<int8_t>(e.as_i64())));
  }
  TESSERA_ASSIGN_OR_RETURN(PrecompiledCharsmap map, PrecompiledCharsmap::parse(bytes, where));
  return std::optional<PrecompiledCharsmap>(std::move(map));
}

}  // namespace tessera
