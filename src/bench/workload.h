// What the load generator sends: prompts and output lengths, either synthetic (word sequences of
// a fixed or uniformly drawn length, deterministic from the seed) or read from a JSONL dataset.
// Lengths are in words, not tokens: the client does not know the server's tokenizer.
//
// Dataset lines (one JSON object each), by endpoint:
//   chat, completions, kserve generate: {"prompt": "...", "max_tokens": 64}  (max_tokens optional)
//   embeddings, kserve embed:          {"text": "..."}  ("prompt" is accepted too)
//   rerank, kserve rerank:             {"query": "...", "documents": ["...", "..."]}
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "base/status.h"

namespace tessera::bench {

// What a request carries; which fields matter depends on the endpoint.
enum class Shape { kGenerate, kEmbed, kRerank };

// "N" (fixed) or "A..B" (uniform, inclusive).
struct LengthDistribution {
  int64_t min = 0, max = 0;
  int64_t draw(std::mt19937_64& rng) const;
};
Result<LengthDistribution> parse_length(const std::string& text, const std::string& flag);

struct WorkItem {
  std::string prompt;  // generate: the prompt; embed: the text; rerank: the query
  std::optional<int64_t> max_tokens;
  std::vector<std::string> documents;  // rerank
};

struct SyntheticSpec {
  LengthDistribution prompt_words{32, 32};
  LengthDistribution output_tokens{32, 32};
  int64_t documents = 4;  // rerank: documents per request, each prompt_words long
  uint64_t seed = 1;
};

// Item i of a synthetic workload: the same seed and index give the same item.
WorkItem synthetic_item(const SyntheticSpec& spec, Shape shape, int64_t index);

// Parses a JSONL dataset for `shape`; errors name the file, line and field.
Result<std::vector<WorkItem>> parse_dataset(const std::string& text, const std::string& name,
                                            Shape shape);
Result<std::vector<WorkItem>> load_dataset(const std::string& path, Shape shape);

// Poisson arrivals at `rate_per_s`: offsets in seconds from the level's start, computed up front
// so a slow server cannot move them. Stops at `count` arrivals or `duration_s`, whichever is set
// (count > 0 wins).
std::vector<double> poisson_schedule(double rate_per_s, int64_t count, double duration_s,
                                     uint64_t seed);

}  // namespace tessera::bench
