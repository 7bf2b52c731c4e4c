// WordPiece (tokenizer.ggml.model = "bert"), as BERT's BasicTokenizer + WordpieceTokenizer and
// llama.cpp's WPM tokenizer do it:
//   1. normalize: drop NUL, U+FFFD and control/format characters; lowercase; NFD-decompose (via
//      utf8proc) and drop the combining marks (Mn), which strips accents ("Äpfel" -> "apfel");
//   2. split into words at white space, and make every punctuation character (Unicode P*, plus the
//      ASCII symbols $+<=>^`|~) and every CJK ideograph a word of its own;
//   3. cut each word greedily into the longest vocabulary pieces, left to right. A word that cannot
//      be covered, or is longer than kMaxWordChars characters, becomes one [UNK].
// BERT GGUFs store word-initial pieces with a "▁" prefix and continuation pieces without the "##"
// of the original vocab.txt, so a word w is looked up as "▁w..." first, then as bare pieces.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "tokenize/tokenizer.h"
#include "tokenize/vocabulary.h"

namespace tessera {

// Words longer than this (in characters) are one [UNK] without trying to cut them, as BERT's
// WordpieceTokenizer (max_input_chars_per_word = 100) does.
inline constexpr size_t kMaxWordChars = 100;

// The ids that frame BERT inputs: [CLS] text [SEP], and [CLS] a [SEP] b [SEP] for pairs.
struct BertSpecialIds {
  int32_t cls = kNoToken;
  int32_t sep = kNoToken;
};

// Reads tokenizer.ggml.cls_token_id (else bos_token_id, else the token "[CLS]") and
// tokenizer.ggml.seperator_token_id (else eos_token_id, else "[SEP]"). NotFound names the keys when
// neither is there.
Result<BertSpecialIds> bert_special_ids(const gguf::File& file, const Vocabulary& vocab);

// Step 1 and 2 above: the normalized words of `text`, each a UTF-8 string. Exposed for tests.
std::vector<std::string> wordpiece_words(std::string_view text);

// The unknown token is tokenizer.ggml.unknown_token_id, else the token "[UNK]"; without either the
// vocabulary is rejected (DataLoss naming the file).
Result<std::unique_ptr<Tokenizer>> make_wordpiece_tokenizer(Vocabulary vocab);

}  // namespace tessera
