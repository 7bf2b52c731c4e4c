// WordPiece: llama.cpp's test vectors for the BGE vocabulary, the normalization and splitting
// rules one by one, and the unknown-word cases, on small vocabularies built in memory.
#include "tokenize/wordpiece.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "testing/temp_dir.h"
#include "tokenize/test_vocab.h"

namespace tessera {
namespace {

using testing::MemoryGguf;
using testing::TestToken;
using testing::vocab_path;
using testing::vocab_writer;

const std::string kBge = "ggml-vocab-bert-bge.gguf";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += " " + std::to_string(id);
  return s;
}

// The .inp file holds texts each followed by "\n__ggml_vocab_test__\n"; the .out file one line of
// ids per text, as llama.cpp's test-tokenizer-0 writes them (no [CLS]/[SEP]: add_special false).
TEST(WordPieceVectors, BertBgeMatchesLlamaCpp) {
  const std::string path = vocab_path(kBge);
  Result<gguf::File> file = gguf::File::open(path);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  Result<std::unique_ptr<Tokenizer>> tokenizer = make_tokenizer(*file);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();

  const std::string inp = slurp(path + ".inp");
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t pos = 0, end; (end = inp.find(separator, pos)) != std::string::npos;
       pos = end + separator.size()) {
    texts.push_back(inp.substr(pos, end - pos));
  }
  std::istringstream out(slurp(path + ".out"));
  std::string line;
  size_t matched = 0, i = 0;
  for (; i < texts.size() && std::getline(out, line); ++i) {
    std::vector<int32_t> expected;
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) expected.push_back(id);
    const std::vector<int32_t> got = (*tokenizer)->encode(texts[i], false, false);
    EXPECT_EQ(got, expected) << "case " << i << " \"" << texts[i] << "\"\n got:     " << show(got)
                             << "\n expected:" << show(expected);
    matched += got == expected ? 1 : 0;
  }
  EXPECT_EQ(i, texts.size());
  EXPECT_EQ(texts.size(), 46u);
  EXPECT_EQ(matched, texts.size());
  std::printf("[ vectors  ] %s: %zu/%zu ids match\n", kBge.c_str(), matched, texts.size());

  // With add_special the text is wrapped as BERT expects it: [CLS] ... [SEP].
  EXPECT_TRUE((*tokenizer)->add_bos());
  EXPECT_TRUE((*tokenizer)->add_eos());
  const std::vector<int32_t> plain = (*tokenizer)->encode("Hello world", false, false);
  std::vector<int32_t> wrapped = {101};
  wrapped.insert(wrapped.end(), plain.begin(), plain.end());
  wrapped.push_back(102);
  EXPECT_EQ((*tokenizer)->encode("Hello world", true, false), wrapped);
}

TEST(WordPieceWords, LowercasesStripsAccentsAndSplitsPunctuation) {
  EXPECT_EQ(wordpiece_words("Hello, WORLD!"),
            (std::vector<std::string>{"hello", ",", "world", "!"}));
  EXPECT_EQ(wordpiece_words("Äpfel naïve Café"),
            (std::vector<std::string>{"apfel", "naive", "cafe"}));
  EXPECT_EQ(wordpiece_words("  a\t\n b\u3000c "), (std::vector<std::string>{"a", "b", "c"}));
  // ASCII symbols are punctuation for BERT; other symbols stay inside words.
  EXPECT_EQ(wordpiece_words("a+b=c $5 x\u00b1y"),
            (std::vector<std::string>{"a", "+", "b", "=", "c", "$", "5", "x\u00b1y"}));
  // CJK ideographs stand alone; kana does not.
  EXPECT_EQ(wordpiece_words("我想apple\u30ab\u30ca"),
            (std::vector<std::string>{"我", "想", "apple\u30ab\u30ca"}));
  // Control and format characters vanish without splitting; U+FFFD and NUL too.
  EXPECT_EQ(wordpiece_words(std::string("ab\x01"
                                        "c\u200dd\xEF\xBF\xBD"
                                        "e") +
                            '\0' + "f"),
            (std::vector<std::string>{"abcdef"}));
  // Invalid UTF-8 becomes U+FFFD, which is dropped.
  EXPECT_EQ(wordpiece_words("a\xFF"
                            "b"),
            (std::vector<std::string>{"ab"}));
  EXPECT_TRUE(wordpiece_words("").empty());
  EXPECT_TRUE(wordpiece_words(" \t\n").empty());
}

// [PAD] [UNK] [CLS] [SEP] ▁un ▁unaffable aff able ▁a ▁b ##b(→"b")
std::vector<TestToken> small_vocab() {
  return {{"[PAD]", 0, TokenType::kControl},
          {"[UNK]", 0, TokenType::kUnknown},
          {"[CLS]", 0, TokenType::kControl},
          {"[SEP]", 0, TokenType::kControl},
          {"\u2581un"},
          {"\u2581unaffable"},
          {"aff"},
          {"able"},
          {"\u2581a"},
          {"\u2581b"},
          {"b"}};
}

Result<std::unique_ptr<Tokenizer>> small_tokenizer(const MemoryGguf& gguf) {
  return make_tokenizer(gguf.file());
}

TEST(WordPiece, GreedyLongestMatchAndUnknownWords) {
  gguf::Writer w = vocab_writer("bert", small_vocab());
  MemoryGguf gguf(w);
  Result<std::unique_ptr<Tokenizer>> tok = small_tokenizer(gguf);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  auto encode = [&](std::string_view text) { return (*tok)->encode(text, false, false); };
  EXPECT_EQ(encode("unaffable"), (std::vector<int32_t>{5}));  // longest first piece wins
  EXPECT_EQ(encode("unable"), (std::vector<int32_t>{4, 7}));
  EXPECT_EQ(encode("unaffableb"), (std::vector<int32_t>{5, 10}));
  EXPECT_EQ(encode("bb a"), (std::vector<int32_t>{9, 10, 8}));
  // One uncovered piece makes the whole word [UNK], not just its tail.
  EXPECT_EQ(encode("unablex a"), (std::vector<int32_t>{1, 8}));
  // A word longer than kMaxWordChars characters is [UNK] without trying.
  std::string word = "un";
  std::vector<int32_t> ids = {4};
  while (word.size() + 4 <= kMaxWordChars) {
    word += "able";
    ids.push_back(7);
  }
  EXPECT_EQ(encode(word), ids);                                 // 98 characters
  EXPECT_EQ(encode(word + "able"), (std::vector<int32_t>{1}));  // 102
  // Decoding puts back the spaces between words.
  EXPECT_EQ((*tok)->decode(encode("unable bb a")), "unable bb a");
}

TEST(WordPiece, SpecialIdsFromMetadataOrTokens) {
  gguf::Writer w = vocab_writer("bert", small_vocab());
  {
    MemoryGguf gguf(w);
    Result<Vocabulary> vocab = Vocabulary::from_gguf(gguf.file());
    ASSERT_TRUE(vocab.ok());
    Result<BertSpecialIds> ids = bert_special_ids(gguf.file(), *vocab);
    ASSERT_TRUE(ids.ok()) << ids.status().to_string();
    EXPECT_EQ(ids->cls, 2);
    EXPECT_EQ(ids->sep, 3);
  }
  w.set("tokenizer.ggml.cls_token_id", gguf::Value::u32(8));
  w.set("tokenizer.ggml.seperator_token_id", gguf::Value::u32(9));
  MemoryGguf gguf(w);
  Result<Vocabulary> vocab = Vocabulary::from_gguf(gguf.file());
  ASSERT_TRUE(vocab.ok());
  Result<BertSpecialIds> ids = bert_special_ids(gguf.file(), *vocab);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->cls, 8);
  EXPECT_EQ(ids->sep, 9);
}

TEST(WordPiece, MissingUnknownOrClassificationTokenIsAnError) {
  std::vector<TestToken> tokens = small_vocab();
  tokens[1].text = "[NOPE]";
  MemoryGguf no_unk(vocab_writer("bert", tokens), "no-unk.gguf");
  Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(no_unk.file());
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(tok.status().message().find("no-unk.gguf"), std::string::npos);
  EXPECT_NE(tok.status().message().find("[UNK]"), std::string::npos);

  tokens = small_vocab();
  tokens[2].text = "[NOCLS]";
  MemoryGguf no_cls(vocab_writer("bert", tokens), "no-cls.gguf");
  Result<Vocabulary> vocab = Vocabulary::from_gguf(no_cls.file());
  ASSERT_TRUE(vocab.ok());
  Result<BertSpecialIds> ids = bert_special_ids(no_cls.file(), *vocab);
  ASSERT_FALSE(ids.ok());
  EXPECT_NE(ids.status().message().find("cls_token_id"), std::string::npos);
}

}  // namespace
}  // namespace tessera
