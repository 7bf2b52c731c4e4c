#include "tokenize/wordpiece.h"

#include <utf8proc.h>

#include <algorithm>

#include "tokenize/utf8.h"

namespace tessera {

namespace {

constexpr std::string_view kWordPrefix = "\xE2\x96\x81";  // U+2581, marks word-initial pieces
constexpr uint32_t kReplacement = 0xFFFD;
// utf8proc's longest canonical decomposition is 4 code points; this leaves room to spare.
constexpr int kMaxDecomposition = 8;

// The White_Space property (Unicode PropList.txt), which is what llama.cpp splits words on.
bool is_whitespace(uint32_t cp) {
  if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D)) return true;
  if (cp < 0x85) return false;
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// CJK Unified Ideographs and their extensions and compatibility blocks, the ranges BERT's
// _is_chinese_char lists (Hangul, kana and other CJK scripts are written with spaces).
bool is_cjk_ideograph(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

enum class CharClass { kDrop, kSpace, kAlone, kWord };

CharClass classify(uint32_t cp, utf8proc_category_t category) {
  if (is_whitespace(cp)) return CharClass::kSpace;
  if (cp == 0 || cp == kReplacement) return CharClass::kDrop;
  switch (category) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_MN:  // left over from the NFD decomposition: accents
      return CharClass::kDrop;
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return CharClass::kAlone;
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
      // BERT counts the ASCII symbols $ + < = > ^ ` | ~ as punctuation, no other symbol.
      return cp < 0x80 ? CharClass::kAlone : CharClass::kWord;
    default:
      return is_cjk_ideograph(cp) ? CharClass::kAlone : CharClass::kWord;
  }
}

// Appends the normalized form of one code point to the words being built.
void add_char(uint32_t cp, std::vector<std::string>& words, bool& in_word) {
  const CharClass cls = classify(cp, utf8proc_category(static_cast<utf8proc_int32_t>(cp)));
  if (cls == CharClass::kDrop) return;
  if (cls == CharClass::kSpace) {
    in_word = false;
    return;
  }
  if (cls == CharClass::kAlone) {
    words.emplace_back();
    utf8::append(words.back(), cp);
    in_word = false;
    return;
  }
  if (!in_word) words.emplace_back();
  utf8::append(words.back(), cp);
  in_word = true;
}

class WordPieceTokenizer final : public Tokenizer {
 public:
  WordPieceTokenizer(Vocabulary vocab, int32_t unknown, BertSpecialIds wrap)
      : Tokenizer(std::move(vocab), /*add_bos=*/false, /*add_eos=*/false,
                  /*strips_leading_space=*/true),
        unknown_(unknown) {
    // A BERT input is [CLS] text [SEP], as llama.cpp's WPM vocabulary adds them.
    set_added_tokens(wrap.cls, wrap.sep);
    for (int32_t id = 0; id < this->vocab().size(); ++id) {
      const std::string& text = this->vocab().text(id);
      max_piece_bytes_ = std::max(max_piece_bytes_, text.size());
      // Decoding: "▁word" starts a word (after a space); a bare piece continues one.
      if (text.rfind(kWordPrefix, 0) == 0) set_piece(id, " " + text.substr(kWordPrefix.size()));
    }
  }

 protected:
  void encode_fragment(std::string_view text, bool /*after_special*/,
                       std::vector<int32_t>& out) const override {
    std::string word;
    for (const std::string& w : wordpiece_words(text)) {
      word.assign(kWordPrefix);
      word += w;
      encode_word(word, out);
    }
  }

 private:
  // `word` starts with the "▁" prefix. Greedy longest match from the left, as WordPiece does.
  void encode_word(std::string_view word, std::vector<int32_t>& out) const {
    size_t chars = 0;
    for (size_t i = kWordPrefix.size(); i < word.size(); ++i) {
      chars += (static_cast<uint8_t>(word[i]) & 0xC0) != 0x80 ? 1 : 0;
    }
    const size_t first = out.size();
    if (chars <= kMaxWordChars) {
      size_t start = 0;
      while (start < word.size()) {
        int32_t id = kNoToken;
        size_t end = std::min(word.size(), start + max_piece_bytes_);
        for (; end > start; --end) {
          // Only whole characters: a cut inside a UTF-8 sequence can never be a piece.
          if (end < word.size() && (static_cast<uint8_t>(word[end]) & 0xC0) == 0x80) continue;
          id = vocab().find(word.substr(start, end - start));
          if (id != kNoToken) break;
        }
        if (id == kNoToken) break;
        out.push_back(id);
        start = end;
      }
      if (start == word.size()) return;
    }
    out.resize(first);  // the whole word is unknown, not just its uncovered tail
    out.push_back(unknown_);
  }

  int32_t unknown_;
  size_t max_piece_bytes_ = 0;
};

}  // namespace

std::vector<std::string> wordpiece_words(std::string_view text) {
  std::vector<std::string> words;
  bool in_word = false;
  utf8proc_int32_t decomposed[kMaxDecomposition];
  for (size_t pos = 0; pos < text.size();) {
    size_t length = 1;
    const auto c = static_cast<uint8_t>(text[pos]);
    uint32_t cp = c;
    if (c >= 0x80) cp = utf8::decode(text.substr(pos), length);
    pos += length;
    if (cp < 0x80) {  // ASCII: no decomposition, simple case mapping
      if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
      add_char(cp, words, in_word);
      continue;
    }
    const auto lower = static_cast<uint32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
    int boundclass = 0;
    const utf8proc_ssize_t n =
        utf8proc_decompose_char(static_cast<utf8proc_int32_t>(lower), decomposed, kMaxDecomposition,
                                UTF8PROC_DECOMPOSE, &boundclass);
    if (n <= 0 || n > kMaxDecomposition) {
      add_char(lower, words, in_word);
      continue;
    }
    for (utf8proc_ssize_t i = 0; i < n; ++i) {
      add_char(static_cast<uint32_t>(decomposed[i]), words, in_word);
    }
  }
  return words;
}

namespace {

// [CLS] and [SEP] from the vocabulary's ids, falling back to BOS/EOS and then to the token texts
// (GGUFs converted by different tools set different keys); kNoToken where none applies.
BertSpecialIds resolve_bert_special_ids(const Vocabulary& vocab) {
  BertSpecialIds ids;
  ids.cls = vocab.special().cls;
  if (ids.cls == kNoToken) ids.cls = vocab.special().bos;
  if (ids.cls == kNoToken) ids.cls = vocab.find("[CLS]");
  ids.sep = vocab.special().separator;
  if (ids.sep == kNoToken) ids.sep = vocab.special().eos;
  if (ids.sep == kNoToken) ids.sep = vocab.find("[SEP]");
  return ids;
}

}  // namespace

Result<BertSpecialIds> bert_special_ids(const gguf::File& file, const Vocabulary& vocab) {
  const BertSpecialIds ids = resolve_bert_special_ids(vocab);
  if (ids.cls == kNoToken) {
    return not_found(file.name() +
                     ": no classification token: neither tokenizer.ggml.cls_token_id nor "
                     "tokenizer.ggml.bos_token_id is set and there is no \"[CLS]\" token");
  }
  if (ids.sep == kNoToken) {
    return not_found(file.name() +
                     ": no separator token: neither tokenizer.ggml.seperator_token_id nor "
                     "tokenizer.ggml.eos_token_id is set and there is no \"[SEP]\" token");
  }
  return ids;
}

Result<std::unique_ptr<Tokenizer>> make_wordpiece_tokenizer(Vocabulary vocab) {
  int32_t unknown = vocab.special().unknown;
  if (unknown == kNoToken) unknown = vocab.find("[UNK]");
  if (unknown == kNoToken) {
    return data_loss(vocab.source() +
                     ": WordPiece vocabulary has no unknown token (no "
                     "tokenizer.ggml.unknown_token_id and no \"[UNK]\" token)");
  }
  const BertSpecialIds wrap = resolve_bert_special_ids(vocab);
  return std::unique_ptr<Tokenizer>(new WordPieceTokenizer(std::move(vocab), unknown, wrap));
}

}  // namespace tessera
