#include "tokenize/bpe.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "gguf/file.h"
#include "testing/temp_dir.h"
#include "tokenize/test_vocab.h"
#include "tokenize/tokenizer.h"
#include "tokenize/unicode_bytes.h"

namespace tessera {
namespace {

std::unique_ptr<Tokenizer> load_gpt2() {
  Result<gguf::File> file = gguf::File::open(testing::vocab_path("ggml-vocab-gpt-2.gguf"));
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  if (!file.ok()) return nullptr;
  Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(*file);
  EXPECT_TRUE(tok.ok()) << tok.status().to_string();
  return tok.ok() ? std::move(tok).value() : nullptr;
}

constexpr int32_t kEndOfText = 50256;

TEST(BpeTokenizer, ControlTokenOnlyWithParseSpecial) {
  auto tok = load_gpt2();
  ASSERT_NE(tok, nullptr);
  const std::string text = "Hello<|endoftext|> world";
  const std::vector<int32_t> parsed = tok->encode(text, false, true);
  EXPECT_EQ(parsed, std::vector<int32_t>({15496, kEndOfText, 995}));
  const std::vector<int32_t> plain = tok->encode(text, false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), kEndOfText), 0);
  EXPECT_GT(plain.size(), parsed.size());
  EXPECT_EQ(tok->decode(plain), text);
  EXPECT_EQ(tok->decode(parsed), "Hello world");
  EXPECT_EQ(tok->decode(parsed, {.special = true, .text_start = true}), text);
}

TEST(BpeTokenizer, NoBosByDefault) {
  auto tok = load_gpt2();
  ASSERT_NE(tok, nullptr);
  EXPECT_FALSE(tok->add_bos());
  EXPECT_FALSE(tok->strips_leading_space());
  EXPECT_EQ(tok->encode("Hello", true, false), std::vector<int32_t>({15496}));
}

TEST(BpeTokenizer, ArbitraryBytesRoundTrip) {
  auto tok = load_gpt2();
  ASSERT_NE(tok, nullptr);
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes += static_cast<char>(255 - b);
  bytes += "\xF0\x9F\xA6 tail \xC3";
  EXPECT_EQ(tok->decode(tok->encode(bytes, false, false)), bytes);
}

TEST(BpeTokenizer, LongWordStaysFast) {
  auto tok = load_gpt2();
  ASSERT_NE(tok, nullptr);
  std::string word;
  for (int i = 0; i < (1 << 17); ++i) word += static_cast<char>('a' + (i * 7) % 26);
  const std::vector<int32_t> ids = tok->encode(word, false, false);
  EXPECT_EQ(tok->decode(ids), word);
}

// 256 byte tokens in GPT-2's mapping (id = byte), then "ab" (256) and "abc" (257); one merge "a b".
gguf::Writer tiny_bpe(const std::string& pre) {
  std::vector<testing::TestToken> tokens;
  for (int b = 0; b < 256; ++b) {
    tokens.push_back({std::string(unicode_bytes::encode_byte(static_cast<uint8_t>(b)))});
  }
  tokens.push_back({"ab"});
  tokens.push_back({"abc"});
  gguf::Writer w = testing::vocab_writer("gpt2", tokens);
  w.remove("tokenizer.ggml.scores");
  w.set("tokenizer.ggml.pre", gguf::Value::string(pre));
  w.set("tokenizer.ggml.merges", gguf::Value::string_array({"a b", "x y"}));
  w.set("tokenizer.ggml.bos_token_id", gguf::Value::u32('B'));
  return w;
}

std::unique_ptr<Tokenizer> build(const gguf::Writer& writer) {
  testing::MemoryGguf gguf(writer);
  Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(gguf.file());
  EXPECT_TRUE(tok.ok()) << tok.status().to_string();
  return tok.ok() ? std::move(tok).value() : nullptr;
}

TEST(BpeTokenizer, Llama3TakesWholeWordTokensAndAddsBos) {
  auto gpt2 = build(tiny_bpe("gpt2"));
  ASSERT_NE(gpt2, nullptr);
  // Merges only: "a"+"b" -> "ab"; no merge makes "abc". A merge naming a missing token ("x y") is
  // skipped.
  EXPECT_EQ(gpt2->encode("abc", true, false), std::vector<int32_t>({256, 'c'}));
  auto llama3 = build(tiny_bpe("llama3"));
  ASSERT_NE(llama3, nullptr);
  EXPECT_TRUE(llama3->add_bos());
  EXPECT_EQ(llama3->encode("abc", true, false), std::vector<int32_t>({'B', 257}));
  EXPECT_EQ(llama3->encode("abcd", false, false), std::vector<int32_t>({256, 'c', 'd'}));
}

TEST(BpeTokenizer, MergePriorityFollowsMergeOrder) {
  // "b c" ranks before "a b": "abc" -> a + bc, not ab + c.
  std::vector<testing::TestToken> tokens;
  for (int b = 0; b < 256; ++b) {
    tokens.push_back({std::string(unicode_bytes::encode_byte(static_cast<uint8_t>(b)))});
  }
  tokens.push_back({"ab"});
  tokens.push_back({"bc"});
  gguf::Writer w2 = testing::vocab_writer("gpt2", tokens);
  w2.remove("tokenizer.ggml.scores");
  w2.set("tokenizer.ggml.merges", gguf::Value::string_array({"b c", "a b"}));
  auto tok = build(w2);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("abc", false, false), std::vector<int32_t>({'a', 257}));
  EXPECT_EQ(tok->encode("abab", false, false), std::vector<int32_t>({256, 256}));
}

// The llama-bpe (Llama 3) and qwen2 rules, checked by ids derived by hand from their published
// regexes: each vocabulary has a merge that only forms when the pre-tokenizer keeps its two halves
// in one word. Tokens: the 256 bytes (id = byte), then 256 "12", 257 "34", 258 "(h", 259 "'V",
// 260 "\n\n".
gguf::Writer boundary_bpe(const std::string& pre) {
  std::vector<testing::TestToken> tokens;
  for (int b = 0; b < 256; ++b) {
    tokens.push_back({std::string(unicode_bytes::encode_byte(static_cast<uint8_t>(b)))});
  }
  const std::string nl(unicode_bytes::encode_byte('\n'));
  for (const std::string& t :
       {std::string("12"), std::string("34"), std::string("(h"), std::string("'V"), nl + nl}) {
    tokens.push_back({t});
  }
  gguf::Writer w = testing::vocab_writer("gpt2", tokens);
  w.remove("tokenizer.ggml.scores");
  w.set("tokenizer.ggml.pre", gguf::Value::string(pre));
  w.set("tokenizer.ggml.merges",
        gguf::Value::string_array({"1 2", "3 4", "( h", "' V", nl + " " + nl}));
  return w;
}

using Ids = std::vector<int32_t>;

TEST(BpeTokenizer, PreTokenizerRulesByHand) {
  auto gpt2 = build(boundary_bpe("gpt-2"));
  auto llama3 = build(boundary_bpe("llama-bpe"));
  auto qwen2 = build(boundary_bpe("qwen2"));
  ASSERT_TRUE(gpt2 && llama3 && qwen2);
  // Digits: GPT-2 keeps the run whole, Llama 3 cuts it in threes ("123" "45"), Qwen2 one by one.
  EXPECT_EQ(gpt2->encode("12345", false, false), Ids({256, 257, '5'}));
  EXPECT_EQ(llama3->encode("12345", false, false), Ids({256, '3', '4', '5'}));
  EXPECT_EQ(qwen2->encode("12345", false, false), Ids({'1', '2', '3', '4', '5'}));
  // One leading non-letter joins the letters after it in Llama 3 and Qwen2 ("(hi"), not in GPT-2.
  EXPECT_EQ(gpt2->encode("(hi", false, false), Ids({'(', 'h', 'i'}));
  EXPECT_EQ(llama3->encode("(hi", false, false), Ids({258, 'i'}));
  EXPECT_EQ(qwen2->encode("(hi", false, false), Ids({258, 'i'}));
  // Contractions are case-insensitive in Llama 3 and Qwen2 ("'VE"), lowercase only in GPT-2.
  EXPECT_EQ(gpt2->encode("I'VE", false, false), Ids({'I', '\'', 'V', 'E'}));
  EXPECT_EQ(llama3->encode("I'VE", false, false), Ids({'I', 259, 'E'}));
  EXPECT_EQ(qwen2->encode("I'VE", false, false), Ids({'I', 259, 'E'}));
  // \s*[\r\n]+ takes spaces and the newlines after them as one word; GPT-2's \s+(?!\S) leaves the
  // last newline to a word of its own.
  EXPECT_EQ(gpt2->encode("  \n\nx", false, false), Ids({' ', ' ', '\n', '\n', 'x'}));
  EXPECT_EQ(llama3->encode("  \n\nx", false, false), Ids({' ', ' ', 260, 'x'}));
  EXPECT_EQ(qwen2->encode("  \n\nx", false, false), Ids({' ', ' ', 260, 'x'}));
}

}  // namespace
}  // namespace tessera
