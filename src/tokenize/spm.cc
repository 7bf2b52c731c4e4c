#include "tokenize/spm.h"

#include <algorithm>
#include <array>
#include <queue>

#include "tokenize/byte_tokens.h"
#include "tokenize/space_marker.h"
#include "tokenize/utf8.h"

namespace tessera {

namespace {

// A run of the escaped text that is (so far) one piece; merged-away symbols have length 0.
struct Symbol {
  size_t start;
  size_t length;
  int32_t prev;
  int32_t next;
  int32_t id;  // the piece's id, or kNoToken for a single character the vocabulary lacks
};

// A candidate merge of two adjacent symbols into piece `id`.
struct Bigram {
  float score;
  int32_t left;
  int32_t right;
  size_t length;  // the merged length when queued: a different sum later means the entry is stale
  int32_t id;
};

// Highest score first; on equal scores the leftmost pair.
struct LowerPriority {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

class SpmTokenizer final : public Tokenizer {
 public:
  SpmTokenizer(Vocabulary vocab, bool add_bos, bool add_eos, bool add_space_prefix)
      : Tokenizer(std::move(vocab), add_bos, add_eos, add_space_prefix),
        add_space_prefix_(add_space_prefix),
        byte_tokens_(find_byte_tokens(this->vocab())) {
    for (int32_t id = 0; id < this->vocab().size(); ++id) {
      const TokenType type = this->vocab().type(id);
      if (type == TokenType::kByte) {
        if (auto byte = parse_byte_token(this->vocab().text(id)))
          set_piece(id, std::string(1, *byte));
      } else if (type == TokenType::kNormal || type == TokenType::kUndefined) {
        set_piece(id, unescape_spaces(this->vocab().text(id)));
      }
    }
  }

 protected:
  void encode_fragment(std::string_view text, bool after_special,
                       std::vector<int32_t>& out) const override {
    std::string escaped;
    const auto spaces = static_cast<size_t>(std::count(text.begin(), text.end(), ' '));
    escaped.reserve(text.size() + (spaces + 1) * kSpaceMarker.size());
    if (add_space_prefix_ && after_special) escaped.append(kSpaceMarker);
    for (char c : text) {
      if (c == ' ') {
        escaped.append(kSpaceMarker);
      } else {
        escaped += c;
      }
    }
    if (escaped.empty()) return;

    std::vector<Symbol> symbols;
    symbols.reserve(escaped.size());
    for (size_t pos = 0; pos < escaped.size();) {
      const size_t length =
          std::min(utf8::sequence_length(static_cast<uint8_t>(escaped[pos])), escaped.size() - pos);
      const auto index = static_cast<int32_t>(symbols.size());
      symbols.push_back({pos, length, index - 1, pos + length == escaped.size() ? -1 : index + 1,
                         mergeable_id(std::string_view(escaped).substr(pos, length))});
      pos += length;
    }

    std::priority_queue<Bigram, std::vector<Bigram>, LowerPriority> queue;
    const auto try_add = [&](int32_t left, int32_t right) {
      if (left < 0 || right < 0) return;
      const Symbol& l = symbols[static_cast<size_t>(left)];
      const Symbol& r = symbols[static_cast<size_t>(right)];
      const size_t length = l.length + r.length;
      const int32_t id = mergeable_id(std::string_view(escaped).substr(l.start, length));
      if (id == kNoToken) return;
      queue.push({vocab().score(id), left, right, length, id});
    };
    for (size_t i = 1; i < symbols.size(); ++i) {
      try_add(static_cast<int32_t>(i - 1), static_cast<int32_t>(i));
    }

    while (!queue.empty()) {
      const Bigram bigram = queue.top();
      queue.pop();
      Symbol& left = symbols[static_cast<size_t>(bigram.left)];
      Symbol& right = symbols[static_cast<size_t>(bigram.right)];
      if (left.length == 0 || right.length == 0 || left.length + right.length != bigram.length) {
        continue;  // one side was merged into something else since this entry was queued
      }
      left.length += right.length;
      left.id = bigram.id;
      right.length = 0;
      left.next = right.next;
      if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = bigram.left;
      try_add(left.prev, bigram.left);
      try_add(bigram.left, left.next);
    }

    for (int32_t i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
      const Symbol& symbol = symbols[static_cast<size_t>(i)];
      if (symbol.id != kNoToken) {
        out.push_back(symbol.id);
        continue;
      }
      for (size_t k = 0; k < symbol.length; ++k) {
        const int32_t id = byte_tokens_[static_cast<uint8_t>(escaped[symbol.start + k])];
        if (id != kNoToken) out.push_back(id);
      }
    }
  }

 private:
  // The id of a piece plain text may produce, or kNoToken.
  int32_t mergeable_id(std::string_view piece) const {
    const int32_t id = vocab().find(piece);
    if (id == kNoToken) return kNoToken;
    const TokenType type = vocab().type(id);
    const bool mergeable = type == TokenType::kNormal || type == TokenType::kUserDefined ||
                           type == TokenType::kUndefined;
    return mergeable ? id : kNoToken;
  }

  bool add_space_prefix_;
  std::array<int32_t, 256> byte_tokens_;
};

}  // namespace

Result<std::unique_ptr<Tokenizer>> make_spm_tokenizer(Vocabulary vocab) {
  // SentencePiece defaults (llama.cpp's for this model): BOS yes, EOS no, space prefix yes.
  const bool add_bos = vocab.add_bos().value_or(true);
  const bool add_eos = vocab.add_eos().value_or(false);
  const bool add_space_prefix = vocab.add_space_prefix().value_or(true);
  return std::unique_ptr<Tokenizer>(
      std::make_unique<SpmTokenizer>(std::move(vocab), add_bos, add_eos, add_space_prefix));
}

}  // namespace tessera
