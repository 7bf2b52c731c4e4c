#include "tokenize/special_tokens.h"

namespace tessera {

SpecialTokenMatcher::SpecialTokenMatcher(const Vocabulary& vocab) : nodes_(1) {
  for (int32_t id = 0; id < vocab.size(); ++id) {
    const TokenType type = vocab.type(id);
    const bool user_defined = type == TokenType::kUserDefined;
    if (!user_defined && type != TokenType::kControl && type != TokenType::kUnknown) continue;
    const std::string& text = vocab.text(id);
    if (text.empty()) continue;
    uint32_t node = 0;
    for (char c : text) {
      const auto [it, inserted] = edges_.try_emplace(edge_key(node, static_cast<uint8_t>(c)),
                                                     static_cast<uint32_t>(nodes_.size()));
      if (inserted) nodes_.emplace_back();
      node = it->second;
    }
    may_start_[static_cast<uint8_t>(text[0])] = true;
    // On duplicated texts the first id wins, user-defined ones first for the always-matched set.
    if (user_defined && nodes_[node].always == kNoToken) nodes_[node].always = id;
    if (nodes_[node].special == kNoToken) nodes_[node].special = id;
  }
}

int32_t SpecialTokenMatcher::match_at(std::string_view text, size_t pos, bool parse_special,
                                      size_t& length) const {
  int32_t best = kNoToken;
  uint32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto it = edges_.find(edge_key(node, static_cast<uint8_t>(text[i])));
    if (it == edges_.end()) break;
    node = it->second;
    const int32_t id = parse_special ? nodes_[node].special : nodes_[node].always;
    if (id != kNoToken) {
      best = id;
      length = i + 1 - pos;
    }
  }
  return best;
}

void SpecialTokenMatcher::split(std::string_view text, bool parse_special,
                                std::vector<TextFragment>& out) const {
  size_t raw_start = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t length = 0;
    const int32_t id = may_start_[static_cast<uint8_t>(text[pos])]
                           ? match_at(text, pos, parse_special, length)
                           : kNoToken;
    if (id == kNoToken) {
      ++pos;
      continue;
    }
    if (pos > raw_start) out.push_back({text.substr(raw_start, pos - raw_start), kNoToken});
    out.push_back({text.substr(pos, length), id});
    pos += length;
    raw_start = pos;
  }
  if (raw_start < text.size()) out.push_back({text.substr(raw_start), kNoToken});
}

}  // namespace tessera
