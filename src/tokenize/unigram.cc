#include "tokenize/unigram.h"

#include <algorithm>
#include <cfloat>
#include <limits>

#include "tokenize/byte_tokens.h"
#include "tokenize/charsmap.h"
#include "tokenize/metadata.h"
#include "tokenize/piece_index.h"
#include "tokenize/space_marker.h"
#include "tokenize/unigram_normalizer.h"

namespace tessera {

namespace {

constexpr std::string_view kRemoveExtraWhitespacesKey = "tokenizer.ggml.remove_extra_whitespaces";
// llama.cpp's ids for T5 vocabularies that do not name them.
constexpr int32_t kDefaultEos = 1;
constexpr int32_t kDefaultUnknown = 2;

// Bytes of the character a lattice step covers, from its lead byte alone (as llama.cpp steps, so
// that odd bytes a charsmap may produce split the same way): 0xF8..0xFF count as 4-byte leads.
size_t step_bytes(uint8_t lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

struct UnigramConfig {
  int32_t unknown = kNoToken;
  int32_t first = kNoToken;  // BOS when added
  int32_t last = kNoToken;   // EOS when added
  UnigramNormalizerOptions normalizer;
  PrecompiledCharsmap charsmap;
};

class UnigramTokenizer final : public Tokenizer {
 public:
  UnigramTokenizer(Vocabulary vocab, UnigramConfig config)
      : Tokenizer(std::move(vocab), /*add_bos=*/false, /*add_eos=*/false,
                  // Decoding drops the "▁" normalization put before the first word.
                  config.normalizer.add_space_prefix || config.normalizer.remove_extra_whitespaces),
        unknown_(config.unknown),
        normalizer_(std::move(config.charsmap), user_defined_pieces(this->vocab()),
                    config.normalizer),
        pieces_(lattice_pieces(this->vocab())) {
    set_added_tokens(config.first, config.last);
    float min_score = std::numeric_limits<float>::max();
    for (int32_t id = 0; id < this->vocab().size(); ++id) {
      const TokenType type = this->vocab().type(id);
      if (type == TokenType::kNormal) {
        min_score = std::min(min_score, this->vocab().score(id));
        set_piece(id, unescape_spaces(this->vocab().text(id)));
      } else if (type == TokenType::kByte) {
        if (auto byte = parse_byte_token(this->vocab().text(id)))
          set_piece(id, std::string(1, *byte));
      } else if (type == TokenType::kUndefined) {
        set_piece(id, "");  // llama.cpp renders no text for these
      }
    }
    unknown_score_ = min_score - kUnknownPenalty;
  }

 protected:
  void encode_fragment(std::string_view text, bool /*after_special*/,
                       std::vector<int32_t>& out) const override {
    // Every raw fragment gets the dummy prefix, as llama.cpp normalizes each one on its own.
    const std::string normalized = normalizer_.normalize(text);
    const size_t n = normalized.size();
    if (n == 0) return;

    // best[end]: the highest-scoring segmentation of normalized[0, end), by its last piece.
    struct Best {
      int32_t id;
      size_t start;
      double score;  // a sum of float scores, in double as SentencePiece sums them
    };
    std::vector<Best> best(n + 1, {unknown_, 0, -DBL_MAX});
    best[0].score = 0.0;
    for (size_t pos = 0; pos < n;) {
      const size_t char_bytes =
          std::min(step_bytes(static_cast<uint8_t>(normalized[pos])), n - pos);
      const double base = best[pos].score;
      bool char_covered = false;
      pieces_.for_each_prefix(std::string_view(normalized).substr(pos),
                              [&](size_t length, int32_t id) {
                                if (length == char_bytes) char_covered = true;
                                const double score = base + piece_score(id);
                                Best& slot = best[pos + length];
                                if (score > slot.score) slot = {id, pos, score};
                              });
      if (!char_covered) {
        const double score = base + unknown_score_;
        Best& slot = best[pos + char_bytes];
        if (score > slot.score) slot = {unknown_, pos, score};
      }
      pos += char_bytes;
    }

    // Walk back from the end; a run of unknown pieces is emitted as one.
    const size_t first = out.size();
    bool after_unknown = false;
    for (size_t end = n; end > 0;) {
      const Best& b = best[end];
      const bool unknown = b.id == unknown_;
      if (!(unknown && after_unknown)) out.push_back(b.id);
      after_unknown = unknown;
      end = b.start;
    }
    std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  }

 private:
  static PieceIndex user_defined_pieces(const Vocabulary& vocab) {
    std::vector<PieceIndex::Piece> pieces;
    for (int32_t id = 0; id < vocab.size(); ++id) {
      if (vocab.type(id) == TokenType::kUserDefined) pieces.push_back({vocab.text(id), id});
    }
    return PieceIndex(std::move(pieces));
  }

  // The pieces plain text may be cut into: control, unknown and byte pieces never are (as in
  // SentencePiece), and llama.cpp leaves out pieces of undefined type too.
  static PieceIndex lattice_pieces(const Vocabulary& vocab) {
    std::vector<PieceIndex::Piece> pieces;
    for (int32_t id = 0; id < vocab.size(); ++id) {
      const TokenType type = vocab.type(id);
      if (type == TokenType::kNormal || type == TokenType::kUserDefined ||
          type == TokenType::kUnused) {
        pieces.push_back({vocab.text(id), id});
      }
    }
    return PieceIndex(std::move(pieces));
  }

  double piece_score(int32_t id) const {
    return vocab().type(id) == TokenType::kUserDefined ? 0.0 : double{vocab().score(id)};
  }

  int32_t unknown_;
  float unknown_score_ = 0.0f;
  UnigramNormalizer normalizer_;
  PieceIndex pieces_;
};

}  // namespace

Result<std::unique_ptr<Tokenizer>> make_unigram_tokenizer(const gguf::File& file,
                                                          Vocabulary vocab) {
  namespace md = tokenize_metadata;
  UnigramConfig config;
  config.unknown = vocab.special().unknown;
  if (config.unknown == kNoToken && vocab.contains(kDefaultUnknown)) {
    config.unknown = kDefaultUnknown;
  }
  if (config.unknown == kNoToken) {
    return data_loss(md::where(file, "tokenizer.ggml.unknown_token_id") +
                     " is missing and the vocabulary has no token " +
                     std::to_string(kDefaultUnknown) +
                     " to default to: a unigram vocabulary needs an unknown token");
  }
  int32_t eos = vocab.special().eos;
  if (eos == kNoToken && vocab.contains(kDefaultEos)) eos = kDefaultEos;
  if (vocab.add_bos().value_or(false)) config.first = vocab.special().bos;
  if (vocab.add_eos().value_or(true)) config.last = eos;

  config.normalizer.add_space_prefix = vocab.add_space_prefix().value_or(false);
  TESSERA_ASSIGN_OR_RETURN(std::optional<bool> remove_extra,
                           md::optional_bool(file, kRemoveExtraWhitespacesKey));
  config.normalizer.remove_extra_whitespaces = remove_extra.value_or(false);
  TESSERA_ASSIGN_OR_RETURN(std::optional<PrecompiledCharsmap> charsmap,
                           read_precompiled_charsmap(file));
  if (charsmap) config.charsmap = std::move(*charsmap);

  return std::unique_ptr<Tokenizer>(new UnigramTokenizer(std::move(vocab), std::move(config)));
}

}  // namespace tessera
