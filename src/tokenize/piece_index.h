// Prefix search over a set of vocabulary pieces, for the unigram tokenizer's lattice: which pieces
// start a text at a given position. The pieces are kept sorted, so the pieces sharing the first k
// bytes of the text form one contiguous range, narrowed by two binary searches per further byte;
// this needs no memory beyond one view per piece (a 250k-piece vocabulary costs 6 MB, where a
// pointer trie would cost several times that). Holds views into strings the owner keeps alive
// (the tokenizer's Vocabulary).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tessera {

class PieceIndex {
 public:
  struct Piece {
    std::string_view text;
    int32_t id;
  };

  PieceIndex() = default;
  // Empty texts are dropped; of equal texts the one given last wins (llama.cpp keeps the last id).
  explicit PieceIndex(std::vector<Piece> pieces);

  // Calls visit(length, id) for every piece that is a prefix of `text`, shortest first.
  template <typename Visit>
  void for_each_prefix(std::string_view text, Visit&& visit) const {
    Range range{0, pieces_.size()};
    for (size_t depth = 0; depth < text.size(); ++depth) {
      range = narrow(range, depth, static_cast<uint8_t>(text[depth]));
      if (range.begin == range.end) return;
      // A piece equal to the prefix sorts first in its range.
      const Piece& first = pieces_[range.begin];
      if (first.text.size() == depth + 1) visit(depth + 1, first.id);
    }
  }

  // The length of the longest prefix of `text` that begins some piece (not necessarily a whole
  // piece); 0 when no piece starts with text[0].
  size_t longest_shared_prefix(std::string_view text) const;

  bool empty() const { return pieces_.empty(); }

 private:
  struct Range {
    size_t begin;
    size_t end;
  };
  // The part of `range` (pieces sharing their first `depth` bytes) whose byte `depth` is `c`.
  Range narrow(Range range, size_t depth, uint8_t c) const;

  std::vector<Piece> pieces_;  // sorted by text, unique texts
};

}  // namespace tessera
