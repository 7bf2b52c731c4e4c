// `tessera tokenize`: the ids llama.cpp expects for the shared vocabularies' test texts, BOS/EOS as
// the metadata says, control tokens only with --parse-special, and clear failures.
#include <gtest/gtest.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "testing/command.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::vocab_path;

nlohmann::json ids_of(const std::string& args) {
  const testing::TempDir dir;
  const testing::CommandResult r = testing::run_tessera(dir, "tokenize " + args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out, nullptr, false);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// One process per text: a few per vocabulary keep the test short (the tokenizers themselves are
// checked on every text in tests/tokenize).
constexpr size_t kCasesPerVocabulary = 8;

// The texts of a vocabulary's .inp file that a shell passes unchanged inside single quotes, with
// the ids llama.cpp's test expects for them (.out, one line each, no BOS).
std::vector<std::pair<std::string, std::string>> safe_cases(const std::string& vocab) {
  const std::string inp = read_file(vocab_path(vocab + ".inp"));
  std::istringstream out(read_file(vocab_path(vocab + ".out")));
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<std::pair<std::string, std::string>> cases;
  size_t start = 0;
  std::string expected;
  while (start < inp.size() && std::getline(out, expected)) {
    size_t end = inp.find(separator, start);
    if (end == std::string::npos) end = inp.size();
    const std::string text = inp.substr(start, end - start);
    start = end + separator.size();
    bool safe = !text.empty();
    for (char c : text)
      safe = safe && (std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == ',' ||
                      c == '!' || c == '.');
    if (safe && cases.size() < kCasesPerVocabulary) cases.emplace_back(text, expected);
  }
  return cases;
}

TEST(TokenizeCliTest, IdsMatchLlamaCppOnTheSharedVocabularies) {
  for (const char* vocab :
       {"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf", "ggml-vocab-bert-bge.gguf"}) {
    const auto cases = safe_cases(vocab);
    ASSERT_GE(cases.size(), 3u) << vocab;
    for (const auto& [text, expected] : cases) {
      nlohmann::json want = nlohmann::json::array();
      std::istringstream line(expected);
      for (int id; line >> id;) want.push_back(id);
      EXPECT_EQ(ids_of(vocab_path(vocab) + " --no-special -p '" + text + "'"), want)
          << vocab << " '" << text << "'";
    }
  }
}

TEST(TokenizeCliTest, SpecialTokensAsTheMetadataAndFlagsSay) {
  const std::string spm = vocab_path("ggml-vocab-llama-spm.gguf");
  // BOS (1) by default, none with --no-special.
  EXPECT_EQ(ids_of(spm + " -p 'Hello world'"), nlohmann::json({1, 15043, 3186}));
  EXPECT_EQ(ids_of(spm + " -p 'Hello world' --no-special"), nlohmann::json({15043, 3186}));
  // "<s>" in the text is characters unless --parse-special.
  const nlohmann::json plain = ids_of(spm + " --no-special -p '<s>'");
  EXPECT_NE(plain, nlohmann::json({1}));
  EXPECT_EQ(ids_of(spm + " --no-special --parse-special -p '<s>'"), nlohmann::json({1}));
  // WordPiece: [CLS] ... [SEP].
  EXPECT_EQ(ids_of(vocab_path("ggml-vocab-bert-bge.gguf") + " -p 'Hello world'"),
            nlohmann::json({101, 7592, 2088, 102}));
  const nlohmann::json pieces = ids_of(spm + " --no-special --pieces -p 'Hello world'");
  EXPECT_EQ(pieces, nlohmann::json::parse(
                        R"([{"id":15043,"piece":" Hello"},{"id":3186,"piece":" world"}])"));
}

TEST(TokenizeCliTest, FailuresNameTheFileOrTheFlag) {
  testing::TempDir dir;
  const std::string bad = dir.file("not.gguf");
  std::ofstream(bad) << "not a gguf";
  testing::CommandResult r = testing::run_tessera(dir, "tokenize " + bad + " -p x");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
  r = testing::run_tessera(dir, "tokenize " + vocab_path("ggml-vocab-gpt-2.gguf"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--prompt"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tessera
