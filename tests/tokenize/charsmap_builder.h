// Builds precompiled charsmaps (tokenizer.ggml.precompiled_charsmap) for tests: the byte layout of
// src/tokenize/charsmap.h from (key, replacement) pairs, or from hand-written units to break.
// The trie is laid out breadth first, each node's children at the lowest free base; this is not
// Darts-clone's packing, but any base that keeps labels apart is a valid double array.
#pragma once

#include <cassert>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gguf/value.h"

namespace tessera::testing {

inline constexpr uint32_t kCharsmapValueBit = 1u << 31;
inline constexpr uint32_t kCharsmapLeafBit = 1u << 8;
inline constexpr uint32_t kCharsmapShiftedOffsetBit = 1u << 9;

// A node unit: label, has-leaf flag and children offset (below 2^21, stored unshifted).
inline uint32_t charsmap_node(uint8_t label, bool leaf, uint32_t offset) {
  assert(offset < (1u << 21));
  return uint32_t{label} | (leaf ? kCharsmapLeafBit : 0u) | offset << 10;
}

// u32 trie size, the units, then the strings, all little-endian.
inline std::vector<uint8_t> charsmap_bytes(const std::vector<uint32_t>& units,
                                           const std::string& strings) {
  std::vector<uint8_t> out;
  const auto put = [&](uint32_t v) {
    for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<uint8_t>(v >> shift));
  };
  put(static_cast<uint32_t>(units.size() * 4));
  for (uint32_t unit : units) put(unit);
  out.insert(out.end(), strings.begin(), strings.end());
  return out;
}

inline std::vector<uint8_t> build_charsmap(
    const std::vector<std::pair<std::string, std::string>>& mappings) {
  struct Node {
    std::map<uint8_t, std::unique_ptr<Node>> children;
    int64_t value = -1;  // offset of the replacement in the strings
  };
  Node root;
  std::string strings;
  for (const auto& [key, replacement] : mappings) {
    // The value sits in the children's label-0 slot, so a key cannot hold a NUL (as in Darts).
    assert(key.find('\0') == std::string::npos);
    Node* node = &root;
    for (char c : key) {
      auto& child = node->children[static_cast<uint8_t>(c)];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
    }
    node->value = static_cast<int64_t>(strings.size());
    strings += replacement;
    strings += '\0';
  }

  std::vector<uint32_t> units(1, 0);
  std::vector<bool> used(1, true);  // unit 0 is the root
  std::set<uint32_t> bases;         // a base shared by two nodes would mix their children
  const auto is_free = [&](uint32_t i) { return i >= used.size() || !used[i]; };
  const auto claim = [&](uint32_t i, uint32_t unit) {
    if (i >= units.size()) {
      units.resize(i + 1, 0);
      used.resize(i + 1, false);
    }
    units[i] = unit;
    used[i] = true;
  };
  std::vector<std::pair<const Node*, uint32_t>> queue = {{&root, 0}};
  for (size_t next = 0; next < queue.size(); ++next) {
    const auto [node, at] = queue[next];
    if (node->children.empty() && node->value < 0) continue;
    uint32_t base = 1;
    for (;; ++base) {
      if (bases.count(base) != 0) continue;
      bool fits = node->value < 0 || is_free(base);
      for (const auto& [label, child] : node->children) fits = fits && is_free(base ^ label);
      if (fits) break;
    }
    bases.insert(base);
    const uint8_t label = at == 0 ? 0 : static_cast<uint8_t>(units[at] & 0xFF);
    units[at] = charsmap_node(label, node->value >= 0, at ^ base);
    if (node->value >= 0) claim(base, kCharsmapValueBit | static_cast<uint32_t>(node->value));
    for (const auto& [c, child] : node->children) {
      claim(base ^ c, charsmap_node(c, false, 0));
      queue.push_back({child.get(), base ^ c});
    }
  }
  return charsmap_bytes(units, strings);
}

// The charsmap as GGUF stores it: an array of u8 (i8 from some converters).
inline gguf::Value charsmap_value(const std::vector<uint8_t>& bytes,
                                  gguf::ValueType type = gguf::ValueType::kU8) {
  std::vector<gguf::Value> elements;
  elements.reserve(bytes.size());
  for (uint8_t b : bytes) {
    elements.push_back(type == gguf::ValueType::kU8 ? gguf::Value::u8(b)
                                                    : gguf::Value::i8(static_cast<int8_t>(b)));
  }
  return gguf::Value::array(type, std::move(elements));
}

}  // namespace tessera::testing
