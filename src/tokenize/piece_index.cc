#include "tokenize/piece_index.h"

#include <algorithm>

namespace tessera {

PieceIndex::PieceIndex(std::vector<Piece> pieces) : pieces_(std::move(pieces)) {
  std::erase_if(pieces_, [](const Piece& p) { return p.text.empty(); });
  // Stable, so that of equal texts the last given stays last, and is the one kept below.
  std::stable_sort(pieces_.begin(), pieces_.end(),
                   [](const Piece& a, const Piece& b) { return a.text < b.text; });
  std::vector<Piece> unique;
  unique.reserve(pieces_.size());
  for (size_t i = 0; i < pieces_.size(); ++i) {
    if (i + 1 < pieces_.size() && pieces_[i + 1].text == pieces_[i].text) continue;
    unique.push_back(pieces_[i]);
  }
  pieces_ = std::move(unique);
}

PieceIndex::Range PieceIndex::narrow(Range range, size_t depth, uint8_t c) const {
  // Within the range, ordering by byte `depth` (-1 for a piece that ends before it) is monotonic.
  const auto byte_at = [depth](const Piece& p) {
    return p.text.size() > depth ? int{static_cast<uint8_t>(p.text[depth])} : -1;
  };
  const auto first = pieces_.begin() + static_cast<std::ptrdiff_t>(range.begin);
  const auto last = pieces_.begin() + static_cast<std::ptrdiff_t>(range.end);
  const auto lo = std::partition_point(first, last, [&](const Piece& p) { return byte_at(p) < c; });
  const auto hi = std::partition_point(lo, last, [&](const Piece& p) { return byte_at(p) == c; });
  return {static_cast<size_t>(lo - pieces_.begin()), static_cast<size_t>(hi - pieces_.begin())};
}

size_t PieceIndex::longest_shared_prefix(std::string_view text) const {
  Range range{0, pieces_.size()};
  for (size_t depth = 0; depth < text.size(); ++depth) {
    range = narrow(range, depth, static_cast<uint8_t>(text[depth]));
    if (range.begin == range.end) return depth;
  }
  return text.size();
}

}  // namespace tessera
