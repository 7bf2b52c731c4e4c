// `tessera run --embed / --rerank` and `tessera perf --embed` through the real binary: output
// format, exit codes and the error messages for bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "testing/command.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::CommandResult;
using testing::lines_of;
using testing::run_tessera;
using testing::TempDir;
using testing::write_file;

// Packs a small bert model; `extra` adds pack flags (--rerank, --pooling ...).
std::string pack(const TempDir& dir, const std::string& name, const std::string& extra) {
  const std::string path = dir.file(name);
  CommandResult r = run_tessera(
      dir,
      "pack --synthetic bert --layers 1 --dim 32 --ffn 64 --heads 2 --context 24 "
      "--vocab-from " +
          testing::vocab_path("ggml-vocab-bert-bge.gguf") + " " + extra + " -o " + path);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return path;
}

TEST(EncodeCli, EmbedPrintsOneUnitVectorPerLine) {
  TempDir dir;
  const std::string model = pack(dir, "m.gguf", "");
  const std::string texts = write_file(dir, "t.txt", "Hello, world!\n\nthird line\r\n");
  CommandResult r = run_tessera(dir, "run " + model + " --embed -f " + texts + " -t 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  for (const std::string& line : lines) {
    const nlohmann::json v = nlohmann::json::parse(line);
    ASSERT_TRUE(v.is_array());
    ASSERT_EQ(v.size(), 32u);
    double sum = 0;
    for (const auto& x : v) sum += x.get<double>() * x.get<double>();
    EXPECT_NEAR(std::sqrt(sum), 1.0, 1e-5);
  }
  EXPECT_NE(r.err.find("3 texts"), std::string::npos) << r.err;

  r = run_tessera(dir, "run " + model + " --embed --pooling none -f " + texts);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json first = nlohmann::json::parse(lines_of(r.out).at(0));
  EXPECT_EQ(first.size(), 6u);  // [CLS] hello , world ! [SEP]
  EXPECT_EQ(first.at(0).size(), 32u);
}

TEST(EncodeCli, RerankPrintsDocumentsBestFirst) {
  TempDir dir;
  const std::string model = pack(dir, "r.gguf", "--rerank");
  const std::string docs = write_file(dir, "d.txt", "a bear\nparis\nbamboo \"shoots\"\nhi\n");
  CommandResult r = run_tessera(dir, "run " + model + " --rerank \"what is a panda?\" -f " + docs);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u);
  double previous = INFINITY;
  std::vector<bool> seen(4, false);
  for (const std::string& line : lines) {
    const nlohmann::json row = nlohmann::json::parse(line);
    const double score = row.at("score").get<double>();
    EXPECT_LE(score, previous);
    previous = score;
    const auto index = row.at("index").get<size_t>();
    ASSERT_LT(index, 4u);
    seen[index] = true;
    if (index == 2) {
      EXPECT_EQ(row.at("document"), "bamboo \"shoots\"");
    }
  }
  EXPECT_EQ(seen, std::vector<bool>(4, true));
}

TEST(EncodeCli, BadInputGivesClearErrors) {
  TempDir dir;
  const std::string model = pack(dir, "m.gguf", "");
  const std::string reranker = pack(dir, "r.gguf", "--rerank");
  const std::string empty = write_file(dir, "empty.txt", "");
  const std::string texts = write_file(dir, "t.txt", "hello\n");
  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += "word ";
  const std::string long_file = write_file(dir, "long.txt", "short\n" + long_text + "\n");

  CommandResult r = run_tessera(dir, "run " + model + " --embed -f " + empty);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("empty.txt: no texts"), std::string::npos) << r.err;

  r = run_tessera(dir, "run " + model + " --embed --no-truncate -f " + long_file);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("text 1 has 42 tokens"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("context of 24 tokens"), std::string::npos) << r.err;
  r = run_tessera(dir, "run " + model + " --embed -f " + long_file);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 truncated"), std::string::npos) << r.err;

  r = run_tessera(dir, "run " + reranker + " --embed -f " + texts);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is a reranker"), std::string::npos) << r.err;
  r = run_tessera(dir, "run " + model + " --rerank q -f " + texts);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no reranker head"), std::string::npos) << r.err;

  r = run_tessera(dir, "run " + model + " --embed");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("needs -f FILE"), std::string::npos) << r.err;
  r = run_tessera(dir, "run " + model + " --embed -f " + dir.file("missing.txt"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.txt: cannot open"), std::string::npos) << r.err;
  r = run_tessera(dir, "run " + model);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--prompt is required"), std::string::npos) << r.err;
}

// A file without bert.pooling_type is covered by EncodePipeline.ClearErrorsForBadRequests; from
// the command line, pooling none (token vectors only) must be asked for explicitly as well.
TEST(EncodeCli, ModelWithoutTextPoolingNeedsAChoice) {
  TempDir dir;
  const std::string none = pack(dir, "none.gguf", "--pooling none");
  const std::string texts = write_file(dir, "t.txt", "hello\n");
  CommandResult r = run_tessera(dir, "run " + none + " --embed -f " + texts);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bert.pooling_type none"), std::string::npos) << r.err;
  r = run_tessera(dir, "run " + none + " --embed --pooling mean -f " + texts);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(EncodeCli, PerfEmbedReportsThroughput) {
  TempDir dir;
  const std::string model = pack(dir, "m.gguf", "");
  CommandResult r =
      run_tessera(dir, "perf " + model + " --embed --texts 5 --words 3..6 --json -t 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json row = nlohmann::json::parse(lines_of(r.out).at(0));
  EXPECT_EQ(row.at("texts"), 5);
  EXPECT_GT(row.at("texts_s").get<double>(), 0.0);
  EXPECT_GT(row.at("tokens_s").get<double>(), 0.0);
  EXPECT_GE(row.at("tokens").get<int64_t>(), 5 * (3 + 2));

  r = run_tessera(dir, "perf " + model + " --embed --texts 5 --words 3..6 --json --probe-compute");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json probe = nlohmann::json::parse(lines_of(r.out).at(0));
  EXPECT_EQ(probe.at("probe"), "compute");
  const double limit = probe.at("embed_limit_tok_s").get<double>();
  EXPECT_GT(limit, 0.0);
  const nlohmann::json measured = nlohmann::json::parse(lines_of(r.out).at(1));
  EXPECT_DOUBLE_EQ(measured.at("compute_fraction").get<double>(),
                   measured.at("tokens_s").get<double>() / limit);

  r = run_tessera(dir, "perf " + model + " --embed --words 9..3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--words '9..3'"), std::string::npos) << r.err;

  // --save-texts writes the measured texts, one per line, for another engine to embed.
  const std::string saved = dir.file("texts.txt");
  r = run_tessera(dir, "perf " + model + " --embed --texts 7 --words 3..6 --save-texts " + saved);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(saved);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    const auto words = std::count(line.begin(), line.end(), ' ') + 1;
    EXPECT_GE(words, 3) << line;
    EXPECT_LE(words, 6) << line;
  }
  EXPECT_EQ(lines, 7);
  r = run_tessera(dir,
                  "perf " + model + " --embed --texts 2 --save-texts " + dir.file("no/such/dir"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot write the texts"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tessera
