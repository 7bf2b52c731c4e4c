// Builds small tokenizer GGUFs in memory for tests: a token list plus whatever keys a test adds or
// breaks, parsed through the real reader.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gguf/file.h"
#include "gguf/value.h"
#include "gguf/writer.h"
#include "tokenize/vocabulary.h"

namespace tessera::testing {

struct TestToken {
  std::string text;
  float score = 0.0f;
  TokenType type = TokenType::kNormal;
};

inline gguf::Writer vocab_writer(const std::string& model, const std::vector<TestToken>& tokens) {
  gguf::Writer writer;
  std::vector<gguf::Value> texts;
  std::vector<gguf::Value> scores;
  std::vector<gguf::Value> types;
  for (const TestToken& t : tokens) {
    texts.push_back(gguf::Value::string(t.text));
    scores.push_back(gguf::Value::f32(t.score));
    types.push_back(gguf::Value::i32(static_cast<int32_t>(t.type)));
  }
  writer.set("general.architecture", gguf::Value::string("llama"));
  writer.set("tokenizer.ggml.model", gguf::Value::string(model));
  writer.set("tokenizer.ggml.tokens", gguf::Value::array(gguf::ValueType::kString, texts));
  writer.set("tokenizer.ggml.scores", gguf::Value::array(gguf::ValueType::kF32, scores));
  writer.set("tokenizer.ggml.token_type", gguf::Value::array(gguf::ValueType::kI32, types));
  return writer;
}

// The bytes a parsed File points into live beside it.
class MemoryGguf {
 public:
  explicit MemoryGguf(const gguf::Writer& writer, const std::string& name = "test-vocab.gguf")
      : file_(parse(writer, name, bytes_)) {
    EXPECT_TRUE(file_.ok()) << file_.status().to_string();
  }
  MemoryGguf(const MemoryGguf&) = delete;
  MemoryGguf& operator=(const MemoryGguf&) = delete;

  const gguf::File& file() const { return *file_; }

 private:
  static Result<gguf::File> parse(const gguf::Writer& writer, const std::string& name,
                                  std::vector<uint8_t>& bytes) {
    Result<std::vector<uint8_t>> header = writer.header_bytes();
    if (!header.ok()) return header.status();
    bytes = std::move(header).value();
    return gguf::File::parse(bytes, name);
  }

  std::vector<uint8_t> bytes_;
  Result<gguf::File> file_;
};

// A SentencePiece vocabulary: <unk>, <s>, </s>, 256 byte pieces, then `pieces`.
inline std::vector<TestToken> spm_tokens(const std::vector<TestToken>& pieces) {
  std::vector<TestToken> tokens = {{"<unk>", 0, TokenType::kUnknown},
                                   {"<s>", 0, TokenType::kControl},
                                   {"</s>", 0, TokenType::kControl}};
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    tokens.push_back({std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">", 0, TokenType::kByte});
  }
  tokens.insert(tokens.end(), pieces.begin(), pieces.end());
  return tokens;
}

inline constexpr int32_t kFirstSpmPiece = 3 + 256;  // the id of the first of `pieces`

}  // namespace tessera::testing
