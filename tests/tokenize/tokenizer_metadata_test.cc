// Malformed or unsupported tokenizer metadata gives an error naming the file, the key and the
// value.
#include <gtest/gtest.h>

#include "tokenize/test_vocab.h"
#include "tokenize/tokenizer.h"

namespace tessera {
namespace {

using testing::MemoryGguf;
using testing::spm_tokens;
using testing::TestToken;
using testing::vocab_writer;

// Builds a tokenizer from `writer` and returns its error (ok if it built).
Status build_status(const gguf::Writer& writer) {
  MemoryGguf gguf(writer, "broken.gguf");
  Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(gguf.file());
  return tok.ok() ? Status() : tok.status();
}

void expect_error(const Status& status, StatusCode code, std::initializer_list<std::string> parts) {
  EXPECT_EQ(status.code(), code) << status.to_string();
  for (const std::string& part : parts) {
    EXPECT_NE(status.message().find(part), std::string::npos)
        << "'" << part << "' missing from: " << status.message();
  }
}

gguf::Writer spm() { return vocab_writer("llama", spm_tokens({{"a", -1.0f}})); }

// A byte-level BPE vocabulary: the 256 mapped bytes would be needed in practice; a few do for
// errors.
gguf::Writer bpe(const std::vector<std::string>& merges) {
  gguf::Writer w = vocab_writer("gpt2", {{"a"}, {"b"}, {"ab"}});
  w.remove("tokenizer.ggml.scores");
  w.set("tokenizer.ggml.pre", gguf::Value::string("gpt2"));
  w.set("tokenizer.ggml.merges", gguf::Value::string_array(merges));
  return w;
}

TEST(TokenizerMetadata, WellFormedVocabulariesBuild) {
  EXPECT_TRUE(build_status(spm()).ok());
  EXPECT_TRUE(build_status(bpe({"a b"})).ok());
}

TEST(TokenizerMetadata, MissingModel) {
  gguf::Writer w = spm();
  w.remove("tokenizer.ggml.model");
  expect_error(build_status(w), StatusCode::kNotFound, {"broken.gguf", "tokenizer.ggml.model"});
}

TEST(TokenizerMetadata, MissingTokens) {
  gguf::Writer w = spm();
  w.remove("tokenizer.ggml.tokens");
  expect_error(build_status(w), StatusCode::kNotFound, {"broken.gguf", "tokenizer.ggml.tokens"});
}

TEST(TokenizerMetadata, TokensNotAnArray) {
  gguf::Writer w = spm();
  w.set("tokenizer.ggml.tokens", gguf::Value::string("a b c"));
  expect_error(build_status(w), StatusCode::kDataLoss,
               {"broken.gguf", "tokenizer.ggml.tokens", "string", "expected an array of strings"});
}

TEST(TokenizerMetadata, TokensOfWrongElementType) {
  gguf::Writer w = spm();
  w.set("tokenizer.ggml.tokens",
        gguf::Value::array(gguf::ValueType::kU32, {gguf::Value::u32(1), gguf::Value::u32(2)}));
  expect_error(build_status(w), StatusCode::kDataLoss,
               {"tokenizer.ggml.tokens", "element 0", "u32", "expected string"});
}

TEST(TokenizerMetadata, EmptyTokens) {
  gguf::Writer w = spm();
  w.set("tokenizer.ggml.tokens", gguf::Value::array(gguf::ValueType::kString, {}));
  expect_error(build_status(w), StatusCode::kDataLoss, {"tokenizer.ggml.tokens", "empty"});
}

TEST(TokenizerMetadata, ScoresLengthMismatch) {
  gguf::Writer w = spm();
  w.set("tokenizer.ggml.scores", gguf::Value::array(gguf::ValueType::kF32, {gguf::Value::f32(0)}));
  expect_error(build_status(w), StatusCode::kDataLoss,
               {"broken.gguf", "tokenizer.ggml.scores", "1 elements", "expected 260"});
}

TEST(TokenizerMetadata, ScoresNotNumbers) {
  gguf::Writer w = spm();
  w.set("tokenizer.ggml.scores", gguf::Value::string_array(std::vector<std::string>(260, "x")));
  expect_error(build_status(w), StatusCode::kDataLoss,
               {"tokenizer.ggml.scores", "element 0", "expected a number"});
}

TEST(TokenizerMetadata, TokenTypeOutOfRange) {
  std::vector<TestToken> tokens = spm_tokens({{"a"}});
  gguf::Writer w = vocab_writer("llama", tokens);
  std::vector<gguf::Value> types(tokens.size(), gguf::Value::i32(1));
  types[7] = gguf::Value::i32(9);
  w.set("tokenizer.ggml.token_type", gguf::Value::array(gguf::ValueType::kI32, types));
  expect_error(build_status(w), StatusCode::kDataLoss,
               {"tokenizer.ggml.token_type", "element 7", "9", "not a token type"});
}

TEST(TokenizerMetadata, SpecialIdOutOfRange) {
  gguf::Writer w = spm();
  w.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(5000));
  expect_error(build_status(w), StatusCode::kDataLoss,
               {"tokenizer.ggml.eos_token_id", "5000", "out of range", "260 tokens"});
}

TEST(TokenizerMetadata, StalePaddingIdIsIgnored) {
  gguf::Writer w = spm();
  w.set("tokenizer.ggml.padding_token_id", gguf::Value::u32(5000));
  w.set("tokenizer.ggml.unknown_token_id", gguf::Value::i32(-1));
  MemoryGguf gguf(w);
  Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(gguf.file());
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ((*tok)->vocab().special().padding, kNoToken);
  EXPECT_EQ((*tok)->vocab().special().unknown, kNoToken);
}

TEST(TokenizerMetadata, FlagOfWrongType) {
  gguf::Writer w = spm();
  w.set("tokenizer.ggml.add_bos_token", gguf::Value::u8(1));
  expect_error(build_status(w), StatusCode::kDataLoss,
               {"tokenizer.ggml.add_bos_token", "u8", "expected bool"});
}

TEST(TokenizerMetadata, MergesMalformed) {
  expect_error(build_status(bpe({"a b", "ab"})), StatusCode::kDataLoss,
               {"broken.gguf", "tokenizer.ggml.merges", "element 1", "\"ab\"", "space"});
  expect_error(build_status(bpe({"a "})), StatusCode::kDataLoss,
               {"tokenizer.ggml.merges", "element 0"});
  expect_error(build_status(bpe({""})), StatusCode::kDataLoss,
               {"tokenizer.ggml.merges", "element 0"});
}

TEST(TokenizerMetadata, MergesNotStrings) {
  gguf::Writer w = bpe({});
  w.set("tokenizer.ggml.merges", gguf::Value::array(gguf::ValueType::kI32, {gguf::Value::i32(3)}));
  expect_error(build_status(w), StatusCode::kDataLoss,
               {"tokenizer.ggml.merges", "element 0", "i32", "expected string"});
}

TEST(TokenizerMetadata, MergesMissing) {
  gguf::Writer w = bpe({});
  w.remove("tokenizer.ggml.merges");
  expect_error(build_status(w), StatusCode::kNotFound, {"broken.gguf", "tokenizer.ggml.merges"});
}

TEST(TokenizerMetadata, UnknownPreTokenizer) {
  gguf::Writer w = bpe({"a b"});
  w.set("tokenizer.ggml.pre", gguf::Value::string("wizard-bpe"));
  expect_error(
      build_status(w), StatusCode::kUnimplemented,
      {"broken.gguf", "tokenizer.ggml.pre", "wizard-bpe", "deepseek-coder", "llama3", "qwen2"});
}

TEST(TokenizerMetadata, UnsupportedModel) {
  expect_error(
      build_status(vocab_writer("rwkv", {{"a"}})), StatusCode::kUnimplemented,
      {"broken.gguf", "tokenizer.ggml.model", "rwkv", "(supported: llama, gpt2, bert, t5)"});
}

}  // namespace
}  // namespace tessera
