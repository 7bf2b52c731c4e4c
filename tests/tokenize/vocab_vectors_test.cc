// llama.cpp's tokenizer test vectors (test-tokenizer-0): the .inp file holds texts each followed by
// a line "__ggml_vocab_test__"; the .out file holds, one line per text, the ids llama.cpp produces
// with add_special = false and parse_special = false.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "gguf/file.h"
#include "testing/temp_dir.h"
#include "tokenize/tokenizer.h"

namespace tessera {
namespace {

struct VocabCase {
  std::string text;
  std::vector<int32_t> ids;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Texts are separated by "\n__ggml_vocab_test__\n"; the file ends with one, so the piece after the
// last separator is empty and is not a text. (A text may itself be empty or consist of newlines.)
std::vector<VocabCase> read_cases(const std::string& vocab_file) {
  const std::string inp = slurp(vocab_file + ".inp");
  const std::string out = slurp(vocab_file + ".out");
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<VocabCase> cases;
  size_t pos = 0;
  while (pos < inp.size()) {
    const size_t end = inp.find(separator, pos);
    if (end == std::string::npos) {
      ADD_FAILURE() << "trailing text without separator in " << vocab_file << ".inp";
      break;
    }
    cases.push_back({inp.substr(pos, end - pos), {}});
    pos = end + separator.size();
  }
  std::istringstream lines(out);
  std::string line;
  size_t i = 0;
  while (std::getline(lines, line)) {
    if (i >= cases.size()) {
      ADD_FAILURE() << "more id lines than texts in " << vocab_file << ".out";
      break;
    }
    std::istringstream ids(line);
    int32_t id = 0;
    while (ids >> id) cases[i].ids.push_back(id);
    ++i;
  }
  EXPECT_EQ(i, cases.size()) << "id lines vs texts in " << vocab_file;
  return cases;
}

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += " " + std::to_string(id);
  return s;
}

// Runs every vector of the vocabulary at `path`; returns the number whose ids match exactly.
// `round_trip`: also require decode(encode(x)) == x (SentencePiece BPE and byte-level BPE give
// back every text; unigram normalization does not).
size_t check_vectors(const std::string& path, size_t expected_cases, bool round_trip) {
  const std::string name = path.substr(path.rfind('/') + 1);
  Result<gguf::File> file = gguf::File::open(path);
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  if (!file.ok()) return 0;
  Result<std::unique_ptr<Tokenizer>> tokenizer = make_tokenizer(*file);
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  if (!tokenizer.ok()) return 0;
  const Tokenizer& tok = **tokenizer;

  const std::vector<VocabCase> cases = read_cases(path);
  EXPECT_EQ(cases.size(), expected_cases);
  size_t matched = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const VocabCase& c = cases[i];
    const std::vector<int32_t> ids = tok.encode(c.text, /*add_special=*/false,
                                                /*parse_special=*/false);
    EXPECT_EQ(ids, c.ids) << name << " case " << i << " text \"" << c.text
                          << "\"\n got:     " << show(ids) << "\n expected:" << show(c.ids);
    if (ids == c.ids) ++matched;
    // SentencePiece decoding drops the space its prefix added, so both round-trip exactly.
    if (round_trip) {
      EXPECT_EQ(tok.decode(ids), c.text) << name << " case " << i;
    }
  }
  std::printf("[ vectors  ] %s: %zu/%zu ids match\n", name.c_str(), matched, cases.size());
  return matched;
}

size_t check_vectors(const std::string& name) {
  return check_vectors(testing::vocab_path(name), 46, /*round_trip=*/true);
}

// Every vocabulary of ../shared/testdata/vocab that ships llama.cpp's expected ids.
class VocabVectors : public ::testing::TestWithParam<const char*> {};

TEST_P(VocabVectors, MatchLlamaCpp) { EXPECT_EQ(check_vectors(GetParam()), 46u); }

INSTANTIATE_TEST_SUITE_P(LlamaCppVocabularies, VocabVectors,
                         ::testing::Values("ggml-vocab-llama-spm.gguf", "ggml-vocab-phi-3.gguf",
                                           "ggml-vocab-gpt-2.gguf", "ggml-vocab-mpt.gguf",
                                           "ggml-vocab-falcon.gguf", "ggml-vocab-starcoder.gguf",
                                           "ggml-vocab-refact.gguf", "ggml-vocab-deepseek-llm.gguf",
                                           "ggml-vocab-deepseek-coder.gguf"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           name = name.substr(std::string("ggml-vocab-").size());
                           name = name.substr(0, name.find('.'));
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

// Vocabularies without expected ids: every text of the other vocabularies' vectors (ASCII, accents,
// CJK, emoji, whitespace runs, code) must come back exactly from decode(encode(x)).
class VocabRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(VocabRoundTrip, DecodeOfEncodeIsIdentity) {
  const std::string path = testing::vocab_path(GetParam());
  Result<gguf::File> file = gguf::File::open(path);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  Result<std::unique_ptr<Tokenizer>> tokenizer = make_tokenizer(*file);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  size_t texts = 0;
  for (const char* source : {"ggml-vocab-llama-spm.gguf", "ggml-vocab-deepseek-llm.gguf"}) {
    for (const VocabCase& c : read_cases(testing::vocab_path(source))) {
      const std::vector<int32_t> ids = (*tokenizer)->encode(c.text, false, false);
      EXPECT_EQ((*tokenizer)->decode(ids), c.text) << GetParam() << " text \"" << c.text << "\"";
      if (!c.text.empty()) {
        EXPECT_FALSE(ids.empty()) << c.text;
      }
      ++texts;
    }
  }
  EXPECT_EQ(texts, 92u);
}

INSTANTIATE_TEST_SUITE_P(LlamaCppVocabularies, VocabRoundTrip,
                         ::testing::Values("ggml-vocab-baichuan.gguf", "ggml-vocab-gpt-neox.gguf"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.index == 0 ? "baichuan" : "gpt_neox");
                         });

// SentencePiece unigram ("t5") vocabularies made by ../data/ugm/make_ugm_vocabs.py, with the ids
// llama.cpp's llama-tokenize gives for them: an XLM-RoBERTa layout that merges whitespace, and a T5
// layout that keeps it and has user-defined pieces; both normalize with a precompiled charsmap.
std::string ugm_path(const std::string& name) {
  return std::string(TESSERA_TEST_SOURCE_DIR) + "/data/ugm/" + name;
}

constexpr size_t kUgmCases = 50;

TEST(VocabVectorsUgm, XlmRobertaLayoutMatchesLlamaCpp) {
  EXPECT_EQ(check_vectors(ugm_path("ggml-vocab-ugm-xlmr.gguf"), kUgmCases, false), kUgmCases);
}

TEST(VocabVectorsUgm, T5LayoutMatchesLlamaCpp) {
  EXPECT_EQ(check_vectors(ugm_path("ggml-vocab-ugm-t5.gguf"), kUgmCases, false), kUgmCases);
}

// add_special and parse_special on, ids from llama-tokenize: <s> text </s>, and each fragment after
// a special token gets its own space prefix.
TEST(VocabVectorsUgm, XlmRobertaFramesTextWithBosAndEos) {
  Result<gguf::File> file = gguf::File::open(ugm_path("ggml-vocab-ugm-xlmr.gguf"));
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(*file);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ((*tok)->encode("Hello world", true, true), std::vector<int32_t>({0, 50, 8, 2}));
  EXPECT_EQ((*tok)->encode("a</s>b", true, true), std::vector<int32_t>({0, 6, 2, 4, 112, 2}));
}

// Text the normalizer leaves as it is (single spaces between words, nothing the charsmap maps, no
// character without a piece) comes back exactly.
TEST(VocabVectorsUgm, NormalTextRoundTrips) {
  const std::vector<std::string> texts = {"hello world",
                                          "Hello world",
                                          "Hello, world! How are you?",
                                          "It's 2024-12-07: 100% (test).",
                                          "1234567890",
                                          "int main() { return 0; }",
                                          "The quick brown fox jumps over the lazy dog.",
                                          "Supercalifragilistic",
                                          "\xE4\xBD\xA0\xE5\xA5\xBD \xE4\xB8\x96\xE7\x95\x8C",
                                          "caf\xC3\xA9"};
  for (const char* name : {"ggml-vocab-ugm-xlmr.gguf", "ggml-vocab-ugm-t5.gguf"}) {
    Result<gguf::File> file = gguf::File::open(ugm_path(name));
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(*file);
    ASSERT_TRUE(tok.ok()) << tok.status().to_string();
    for (const std::string& text : texts) {
      EXPECT_EQ((*tok)->decode((*tok)->encode(text, true, false)), text) << name;
    }
  }
}

}  // namespace
}  // namespace tessera
