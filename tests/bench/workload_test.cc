#include "bench/workload.h"

#include <gtest/gtest.h>

#include <numeric>

namespace tessera::bench {
namespace {

int64_t word_count(const std::string& text) {
  return text.empty() ? 0 : 1 + std::count(text.begin(), text.end(), ' ');
}

TEST(BenchWorkload, LengthsAreFixedOrUniformRanges) {
  Result<LengthDistribution> fixed = parse_length("16", "--prompt-words");
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->min, 16);
  EXPECT_EQ(fixed->max, 16);
  Result<LengthDistribution> range = parse_length("4..9", "--prompt-words");
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->min, 4);
  EXPECT_EQ(range->max, 9);
  for (const char* bad : {"", "x", "9..4", "0", "-3", "3..", "1.5"}) {
    Result<LengthDistribution> r = parse_length(bad, "--prompt-words");
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("--prompt-words"), std::string::npos);
    }
  }
}

TEST(BenchWorkload, SyntheticItemsAreDeterministicWordSequences) {
  SyntheticSpec spec;
  spec.prompt_words = {5, 20};
  spec.output_tokens = {8, 8};
  spec.seed = 42;
  const WorkItem a = synthetic_item(spec, Shape::kGenerate, 3);
  const WorkItem b = synthetic_item(spec, Shape::kGenerate, 3);
  EXPECT_EQ(a.prompt, b.prompt);
  EXPECT_GE(word_count(a.prompt), 5);
  EXPECT_LE(word_count(a.prompt), 20);
  EXPECT_EQ(a.max_tokens, 8);
  EXPECT_NE(synthetic_item(spec, Shape::kGenerate, 4).prompt, a.prompt);
  spec.seed = 43;
  EXPECT_NE(synthetic_item(spec, Shape::kGenerate, 3).prompt, a.prompt);
  spec.documents = 3;
  EXPECT_EQ(synthetic_item(spec, Shape::kRerank, 0).documents.size(), 3u);
}

TEST(BenchWorkload, DatasetLinesByShape) {
  Result<std::vector<WorkItem>> gen =
      parse_dataset("{\"prompt\":\"hi there\",\"max_tokens\":7}\n\n{\"prompt\":\"x\"}\n", "d.jsonl",
                    Shape::kGenerate);
  ASSERT_TRUE(gen.ok()) << gen.status().to_string();
  ASSERT_EQ(gen->size(), 2u);
  EXPECT_EQ((*gen)[0].max_tokens, 7);
  EXPECT_FALSE((*gen)[1].max_tokens.has_value());
  Result<std::vector<WorkItem>> rr =
      parse_dataset("{\"query\":\"q\",\"documents\":[\"a\",\"b\"]}\n", "d.jsonl", Shape::kRerank);
  ASSERT_TRUE(rr.ok());
  EXPECT_EQ((*rr)[0].documents.size(), 2u);
  EXPECT_TRUE(parse_dataset("{\"text\":\"t\"}", "d.jsonl", Shape::kEmbed).ok());
}

TEST(BenchWorkload, MalformedDatasetLinesNameLineAndField) {
  const std::pair<std::string, std::string> cases[] = {
      {"{\"prompt\":\"ok\"}\n{\"prompt\": 3}\n", "d.jsonl:2: field 'prompt'"},
      {"{\"prompt\":\"ok\"}\nnot json\n", "d.jsonl:2: malformed JSON"},
      {"{\"max_tokens\": 4}\n", "d.jsonl:1: field 'prompt': missing"},
      {"{\"prompt\":\"a\",\"max_tokens\":-1}\n", "d.jsonl:1: field 'max_tokens'"},
      {"[1,2]\n", "d.jsonl:1: expected a JSON object"},
      {"", "d.jsonl: the dataset has no lines"},
  };
  for (const auto& [text, expected] : cases) {
    Result<std::vector<WorkItem>> r = parse_dataset(text, "d.jsonl", Shape::kGenerate);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.status().message().find(expected), std::string::npos) << r.status().message();
  }
  Result<std::vector<WorkItem>> r =
      parse_dataset("{\"query\":\"q\",\"documents\":[\"a\",1]}\n", "r.jsonl", Shape::kRerank);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("r.jsonl:1: field 'documents'"), std::string::npos);
  EXPECT_FALSE(load_dataset("/nonexistent/d.jsonl", Shape::kEmbed).ok());
}

TEST(BenchWorkload, PoissonScheduleIsSeededAndHasTheRate) {
  const std::vector<double> a = poisson_schedule(50, 2000, 0, 7);
  EXPECT_EQ(a, poisson_schedule(50, 2000, 0, 7));
  EXPECT_NE(a, poisson_schedule(50, 2000, 0, 8));
  ASSERT_EQ(a.size(), 2000u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  const double rate = static_cast<double>(a.size() - 1) / a.back();
  EXPECT_NEAR(rate, 50, 5);  // 2000 arrivals: the estimate's sd is ~1.1/s
  const std::vector<double> timed = poisson_schedule(20, 0, 3, 1);
  EXPECT_LE(timed.back(), 3);
  EXPECT_GT(timed.size(), 30u);
  EXPECT_LT(timed.size(), 100u);
}

}  // namespace
}  // namespace tessera::bench
