#include "tokenize/bpe.h"

#include <array>
#include <queue>
#include <unordered_map>

#include "tokenize/byte_tokens.h"
#include "tokenize/metadata.h"
#include "tokenize/pretokenize.h"
#include "tokenize/unicode_bytes.h"

namespace tessera {

namespace {

constexpr std::string_view kMergesKey = "tokenizer.ggml.merges";

struct Merge {
  int32_t rank;    // position in tokenizer.ggml.merges: lower merges first
  int32_t result;  // the token the pair becomes
};

uint64_t pair_key(int32_t left, int32_t right) {
  return uint64_t{static_cast<uint32_t>(left)} << 32 | static_cast<uint32_t>(right);
}

using MergeTable = std::unordered_map<uint64_t, Merge>;

// Resolves every merge to ids. An entry must be "LEFT RIGHT" (split at the first space after the
// first character, as llama.cpp). Entries whose pieces are not all tokens can never apply and are
// skipped; of duplicated pairs the first (highest priority) wins.
Result<MergeTable> read_merges(const gguf::File& file, const Vocabulary& vocab) {
  TESSERA_ASSIGN_OR_RETURN(const gguf::Array* merges,
                           tokenize_metadata::string_array(file, kMergesKey));
  MergeTable table;
  table.reserve(merges->elements.size());
  std::string merged;
  for (size_t i = 0; i < merges->elements.size(); ++i) {
    const std::string& entry = merges->elements[i].as_string();
    const size_t space = entry.empty() ? std::string::npos : entry.find(' ', 1);
    if (space == std::string::npos || space + 1 == entry.size()) {
      return data_loss(tokenize_metadata::where(file, kMergesKey) + ": element " +
                       std::to_string(i) + " = \"" + entry +
                       "\" is not two pieces separated by a space");
    }
    const std::string_view left = std::string_view(entry).substr(0, space);
    const std::string_view right = std::string_view(entry).substr(space + 1);
    merged.assign(left);
    merged.append(right);
    const int32_t left_id = vocab.find(left);
    const int32_t right_id = vocab.find(right);
    const int32_t result_id = vocab.find(merged);
    if (left_id == kNoToken || right_id == kNoToken || result_id == kNoToken) continue;
    table.try_emplace(pair_key(left_id, right_id), Merge{static_cast<int32_t>(i), result_id});
  }
  return table;
}

// One symbol per byte of the word at first; merged-away symbols get id kNoToken and leave the
// chain.
struct Symbol {
  int32_t prev;
  int32_t next;
  int32_t id;
};

struct Bigram {
  int32_t rank;
  int32_t left;
  int32_t right;
  int32_t left_id;  // the symbols' ids when queued: if either changed, the entry is stale
  int32_t right_id;
  int32_t result;
};

// Lowest rank first; on equal ranks (the same pair twice) the leftmost.
struct LowerPriority {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

class BpeTokenizer final : public Tokenizer {
 public:
  BpeTokenizer(Vocabulary vocab, bool add_bos, bool add_eos, PreTokenizer pre, MergeTable merges)
      : Tokenizer(std::move(vocab), add_bos, add_eos, /*strips_leading_space=*/false),
        pre_(std::move(pre)),
        merges_(std::move(merges)) {
    for (int b = 0; b < 256; ++b) {
      byte_symbols_[static_cast<size_t>(b)] =
          this->vocab().find(unicode_bytes::encode_byte(static_cast<uint8_t>(b)));
    }
    for (int32_t id = 0; id < this->vocab().size(); ++id) {
      const TokenType type = this->vocab().type(id);
      if (type == TokenType::kNormal || type == TokenType::kUndefined) {
        set_piece(id, unicode_bytes::decode(this->vocab().text(id)));
      } else if (type == TokenType::kByte) {
        if (auto byte = parse_byte_token(this->vocab().text(id)))
          set_piece(id, std::string(1, *byte));
      }
    }
  }

 protected:
  void encode_fragment(std::string_view text, bool /*after_special*/,
                       std::vector<int32_t>& out) const override {
    std::vector<std::string_view> words;
    pre_.split(text, words);
    std::vector<Symbol> symbols;
    for (const std::string_view word : words) encode_word(word, symbols, out);
  }

 private:
  void encode_word(std::string_view word, std::vector<Symbol>& symbols,
                   std::vector<int32_t>& out) const {
    if (pre_.ignore_merges()) {
      std::string mapped;
      unicode_bytes::encode(word, mapped);
      const int32_t id = vocab().find(mapped);
      if (id != kNoToken && vocab().type(id) == TokenType::kNormal) {
        out.push_back(id);
        return;
      }
    }

    const auto n = static_cast<int32_t>(word.size());
    symbols.clear();
    for (int32_t i = 0; i < n; ++i) {
      symbols.push_back({i - 1, i + 1 == n ? -1 : i + 1,
                         byte_symbols_[static_cast<uint8_t>(word[static_cast<size_t>(i)])]});
    }

    std::priority_queue<Bigram, std::vector<Bigram>, LowerPriority> queue;
    const auto try_add = [&](int32_t left, int32_t right) {
      if (left < 0 || right < 0) return;
      const int32_t left_id = symbols[static_cast<size_t>(left)].id;
      const int32_t right_id = symbols[static_cast<size_t>(right)].id;
      if (left_id == kNoToken || right_id == kNoToken) return;
      const auto it = merges_.find(pair_key(left_id, right_id));
      if (it == merges_.end()) return;
      queue.push({it->second.rank, left, right, left_id, right_id, it->second.result});
    };
    for (int32_t i = 1; i < n; ++i) try_add(i - 1, i);

    while (!queue.empty()) {
      const Bigram bigram = queue.top();
      queue.pop();
      Symbol& left = symbols[static_cast<size_t>(bigram.left)];
      Symbol& right = symbols[static_cast<size_t>(bigram.right)];
      if (left.id != bigram.left_id || right.id != bigram.right_id || left.next != bigram.right) {
        continue;  // one side changed since this entry was queued
      }
      left.id = bigram.result;
      right.id = kNoToken;
      left.next = right.next;
      if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = bigram.left;
      try_add(left.prev, bigram.left);
      try_add(bigram.left, left.next);
    }

    for (int32_t i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
      int32_t id = symbols[static_cast<size_t>(i)].id;
      // Only a byte the vocabulary cannot spell is left without a token.
      if (id == kNoToken) id = vocab().special().unknown;
      if (id != kNoToken) out.push_back(id);
    }
  }

  PreTokenizer pre_;
  MergeTable merges_;
  std::array<int32_t, 256> byte_symbols_{};  // the token of each byte's mapped character
};

bool is_llama3_family(std::string_view pre) {
  return pre == "llama3" || pre == "llama-bpe" || pre == "llama-v3";
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> make_bpe_tokenizer(const gguf::File& file, Vocabulary vocab) {
  TESSERA_ASSIGN_OR_RETURN(PreTokenizer pre, PreTokenizer::create(vocab.pre(), file.name()));
  TESSERA_ASSIGN_OR_RETURN(MergeTable merges, read_merges(file, vocab));
  // llama.cpp's defaults: byte-level BPE adds no BOS, except Llama 3, which was trained with one.
  const bool add_bos = vocab.add_bos().value_or(is_llama3_family(vocab.pre()));
  const bool add_eos = vocab.add_eos().value_or(false);
  return std::unique_ptr<Tokenizer>(std::make_unique<BpeTokenizer>(
      std::move(vocab), add_bos, add_eos, std::move(pre), std::move(merges)));
}

}  // namespace tessera
