// Splits input text around special tokens before any model-specific tokenization, so "<|im_start|>"
// in a prompt becomes one id instead of being spelled out. User-defined tokens are always matched;
// control and unknown tokens only when the caller parses special tokens (untrusted text must not be
// able to forge an end-of-sequence). Matching is leftmost-longest (as Hugging Face's added-token
// matcher), over a byte trie built once, so a scan costs O(text bytes x longest special token).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenize/vocabulary.h"

namespace tessera {

// A piece of input: raw text (token == kNoToken) or one special token.
struct TextFragment {
  std::string_view text;
  int32_t token = kNoToken;
};

class SpecialTokenMatcher {
 public:
  explicit SpecialTokenMatcher(const Vocabulary& vocab);

  // Appends the fragments of `text` to `out`; raw-text fragments are never empty.
  void split(std::string_view text, bool parse_special, std::vector<TextFragment>& out) const;

  bool empty() const { return nodes_.size() == 1; }

 private:
  struct Node {
    int32_t always = kNoToken;   // a user-defined token ending here
    int32_t special = kNoToken;  // any special token ending here (used when parsing special)
  };
  // The longest eligible token starting at `pos`: its id, or kNoToken; its length in `length`.
  int32_t match_at(std::string_view text, size_t pos, bool parse_special, size_t& length) const;

  static uint64_t edge_key(uint32_t node, uint8_t byte) { return uint64_t{node} << 8 | byte; }

  std::vector<Node> nodes_;                       // nodes_[0] is the root
  std::unordered_map<uint64_t, uint32_t> edges_;  // (node, byte) -> child
  std::array<bool, 256> may_start_{};             // first bytes of any special token
};

}  // namespace tessera
