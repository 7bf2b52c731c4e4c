#include "tokenize/detokenizer.h"

#include <gtest/gtest.h>

#include "gguf/file.h"
#include "testing/temp_dir.h"
#include "tokenize/tokenizer.h"

namespace tessera {
namespace {

constexpr std::string_view kLlama = "\xF0\x9F\xA6\x99";  // U+1F999 LLAMA
constexpr std::string_view kFffd = "\xEF\xBF\xBD";

std::unique_ptr<Tokenizer> load(const std::string& name) {
  Result<gguf::File> file = gguf::File::open(testing::vocab_path(name));
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  if (!file.ok()) return nullptr;
  Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(*file);
  EXPECT_TRUE(tok.ok()) << tok.status().to_string();
  return tok.ok() ? std::move(tok).value() : nullptr;
}

// In the llama SPM vocabulary <0xXX> is token 3 + XX.
int32_t byte_token(uint8_t b) { return 3 + b; }

TEST(Detokenizer, EmojiSplitAcrossByteTokens) {
  auto tok = load("ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  const std::vector<int32_t> ids = tok->encode(kLlama, false, false);
  // "▁" then the four bytes of the emoji as byte-fallback tokens.
  ASSERT_EQ(ids, std::vector<int32_t>({29871, byte_token(0xF0), byte_token(0x9F), byte_token(0xA6),
                                       byte_token(0x99)}));
  Detokenizer detok(*tok, {.special = false, .text_start = true});
  EXPECT_EQ(detok.push(ids[0]), "");  // the added space prefix, dropped at a text start
  EXPECT_EQ(detok.push(ids[1]), "");
  EXPECT_EQ(detok.pending_bytes(), 1u);
  EXPECT_EQ(detok.push(ids[2]), "");
  EXPECT_EQ(detok.push(ids[3]), "");
  EXPECT_EQ(detok.pending_bytes(), 3u);
  EXPECT_EQ(detok.push(ids[4]), kLlama);
  EXPECT_EQ(detok.pending_bytes(), 0u);
  EXPECT_EQ(detok.finish(), "");
}

TEST(Detokenizer, EmojiSplitAcrossBpeTokens) {
  auto tok = load("ggml-vocab-gpt-2.gguf");
  ASSERT_NE(tok, nullptr);
  const std::string text = " " + std::string(kLlama) + ".cpp";
  const std::vector<int32_t> ids = tok->encode(text, false, false);
  ASSERT_EQ(ids, std::vector<int32_t>({12520, 99, 247, 13, 20322}));
  Detokenizer detok(*tok, {.special = false, .text_start = true});
  EXPECT_EQ(detok.push(ids[0]), " ");  // " \xF0\x9F": the space is complete, two bytes wait
  EXPECT_EQ(detok.pending_bytes(), 2u);
  EXPECT_EQ(detok.push(ids[1]), "");
  EXPECT_EQ(detok.push(ids[2]), kLlama);
  EXPECT_EQ(detok.push(ids[3]), ".");
  EXPECT_EQ(detok.push(ids[4]), "cpp");
  EXPECT_EQ(detok.finish(), "");
}

TEST(Detokenizer, InvalidBytesBecomeReplacementCharacters) {
  auto tok = load("ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  Detokenizer detok(*tok, {.special = false, .text_start = false});
  // 0xFF can never start a character: replaced at once.
  EXPECT_EQ(detok.push(byte_token(0xFF)), kFffd);
  // A lead byte followed by a non-continuation: one U+FFFD for the lead, then the text.
  EXPECT_EQ(detok.push(byte_token(0xE2)), "");
  EXPECT_EQ(detok.push(byte_token('a')), std::string(kFffd) + "a");
  // A truncated character at the end is flushed as U+FFFD.
  EXPECT_EQ(detok.push(byte_token(0xF0)), "");
  EXPECT_EQ(detok.push(byte_token(0x9F)), "");
  EXPECT_EQ(detok.finish(), kFffd);
  EXPECT_EQ(detok.pending_bytes(), 0u);
}

TEST(Detokenizer, LeadingSpaceOnlyDroppedAtTextStart) {
  auto tok = load("ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  const std::vector<int32_t> ids = tok->encode("Hello world", false, false);  // ▁Hello ▁world
  ASSERT_EQ(ids, std::vector<int32_t>({15043, 3186}));
  std::string start;
  std::string continued;
  Detokenizer at_start(*tok, {.special = false, .text_start = true});
  Detokenizer mid_stream(*tok, {.special = false, .text_start = false});
  for (int32_t id : ids) {
    start += at_start.push(id);
    continued += mid_stream.push(id);
  }
  EXPECT_EQ(start + at_start.finish(), "Hello world");
  EXPECT_EQ(continued + mid_stream.finish(), " Hello world");
}

TEST(Detokenizer, ControlTokensHiddenUnlessAsked) {
  auto tok = load("ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  Detokenizer hidden(*tok, {.special = false, .text_start = true});
  EXPECT_EQ(hidden.push(1), "");  // <s>
  EXPECT_EQ(hidden.push(15043), "Hello");
  EXPECT_EQ(hidden.push(2), "");  // </s>
  Detokenizer shown(*tok, {.special = true, .text_start = false});
  EXPECT_EQ(shown.push(1), "<s>");
  EXPECT_EQ(shown.push(0), "<unk>");
}

TEST(Detokenizer, StreamEqualsWholeDecode) {
  for (const char* name : {"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf"}) {
    auto tok = load(name);
    ASSERT_NE(tok, nullptr);
    const std::string text =
        "Hello, y'all! How are you \xF0\x9F\x98\x81 ?\xE6\x88\x91\xE6\x83\xB3\xE5\x9C\xA8"
        "apple  \t\n \xE1\x9E\x80\xE1\x9E\xB6 3..3";
    const std::vector<int32_t> ids = tok->encode(text, true, false);
    Detokenizer detok(*tok, {.special = false, .text_start = true});
    std::string streamed;
    for (int32_t id : ids) {
      const std::string chunk = detok.push(id);
      // Every chunk is valid UTF-8 by itself.
      EXPECT_EQ(chunk.find(kFffd), std::string::npos) << name;
      streamed += chunk;
    }
    streamed += detok.finish();
    EXPECT_EQ(streamed, text) << name;
    EXPECT_EQ(tok->decode(ids), text) << name;
  }
}

}  // namespace
}  // namespace tessera
