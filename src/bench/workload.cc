#include "bench/workload.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tessera::bench {
namespace {

using Json = nlohmann::json;

// Common short English words: synthetic prompts look like text to any tokenizer.
constexpr const char* kWords[] = {
    "the",   "of",    "and",   "model",  "to",     "in",    "is",     "data",  "that",   "for",
    "it",    "with",  "as",    "was",    "on",     "are",   "by",     "this",  "be",     "from",
    "at",    "or",    "an",    "have",   "not",    "which", "one",    "you",   "all",    "were",
    "can",   "their", "time",  "there",  "will",   "each",  "about",  "many",  "then",   "them",
    "would", "like",  "so",    "these",  "her",    "long",  "make",   "thing", "see",    "him",
    "two",   "has",   "look",  "more",   "day",    "could", "go",     "come",  "did",    "number",
    "sound", "most",  "water", "people", "system", "light", "server", "cloud", "answer", "query"};
constexpr size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

std::string words(std::mt19937_64& rng, int64_t count) {
  std::uniform_int_distribution<size_t> pick(0, kWordCount - 1);
  std::string text;
  for (int64_t i = 0; i < count; ++i) {
    if (i > 0) text += ' ';
    text += kWords[pick(rng)];
  }
  return text;
}

Result<int64_t> parse_count(const std::string& text, const std::string& flag) {
  try {
    size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used != text.size() || value < 0) throw std::invalid_argument(text);
    return static_cast<int64_t>(value);
  } catch (const std::exception&) {
    return invalid_argument(flag + ": '" + text + "' is not a count (N or A..B)");
  }
}

Status field_error(const std::string& where, const std::string& field, const std::string& what) {
  return invalid_argument(where + ": field '" + field + "': " + what);
}

Result<WorkItem> parse_line(const Json& line, const std::string& where, Shape shape) {
  if (!line.is_object()) return invalid_argument(where + ": expected a JSON object");
  WorkItem item;
  auto string_field = [&](const char* name) -> Result<std::string> {
    if (!line.contains(name)) return field_error(where, name, "missing");
    if (!line[name].is_string()) return field_error(where, name, "expected a string");
    return line[name].get<std::string>();
  };
  switch (shape) {
    case Shape::kGenerate: {
      TESSERA_ASSIGN_OR_RETURN(item.prompt, string_field("prompt"));
      if (line.contains("max_tokens")) {
        if (!line["max_tokens"].is_number_integer() || line["max_tokens"].get<int64_t>() <= 0) {
          return field_error(where, "max_tokens", "expected a positive integer");
        }
        item.max_tokens = line["max_tokens"].get<int64_t>();
      }
      break;
    }
    case Shape::kEmbed: {
      const char* name = line.contains("text") || !line.contains("prompt") ? "text" : "prompt";
      TESSERA_ASSIGN_OR_RETURN(item.prompt, string_field(name));
      break;
    }
    case Shape::kRerank: {
      TESSERA_ASSIGN_OR_RETURN(item.prompt, string_field("query"));
      if (!line.contains("documents")) return field_error(where, "documents", "missing");
      const Json& documents = line["documents"];
      if (!documents.is_array() || documents.empty()) {
        return field_error(where, "documents", "expected a non-empty array of strings");
      }
      for (const Json& d : documents) {
        if (!d.is_string()) {
          return field_error(where, "documents", "expected a non-empty array of strings");
        }
        item.documents.push_back(d.get<std::string>());
      }
      break;
    }
  }
  return item;
}

}  // namespace

int64_t LengthDistribution::draw(std::mt19937_64& rng) const {
  if (min >= max) return min;
  return std::uniform_int_distribution<int64_t>(min, max)(rng);
}

Result<LengthDistribution> parse_length(const std::string& text, const std::string& flag) {
  const size_t dots = text.find("..");
  LengthDistribution d;
  if (dots == std::string::npos) {
    TESSERA_ASSIGN_OR_RETURN(d.min, parse_count(text, flag));
    d.max = d.min;
  } else {
    TESSERA_ASSIGN_OR_RETURN(d.min, parse_count(text.substr(0, dots), flag));
    TESSERA_ASSIGN_OR_RETURN(d.max, parse_count(text.substr(dots + 2), flag));
    if (d.max < d.min) return invalid_argument(flag + ": '" + text + "': A..B needs A <= B");
  }
  if (d.min < 1) return invalid_argument(flag + ": '" + text + "': lengths must be >= 1");
  return d;
}

WorkItem synthetic_item(const SyntheticSpec& spec, Shape shape, int64_t index) {
  // One generator per item, seeded from (seed, index): items do not depend on the order in
  // which the levels or the concurrent callers ask for them.
  std::seed_seq seq{spec.seed, static_cast<uint64_t>(index), uint64_t{0x7e55e7a}};
  std::mt19937_64 rng(seq);
  WorkItem item;
  item.prompt = words(rng, spec.prompt_words.draw(rng));
  if (shape == Shape::kGenerate) item.max_tokens = spec.output_tokens.draw(rng);
  if (shape == Shape::kRerank) {
    for (int64_t d = 0; d < spec.documents; ++d) {
      item.documents.push_back(words(rng, spec.prompt_words.draw(rng)));
    }
  }
  return item;
}

Result<std::vector<WorkItem>> parse_dataset(const std::string& text, const std::string& name,
                                            Shape shape) {
  std::vector<WorkItem> items;
  std::istringstream in(text);
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = name + ":" + std::to_string(number);
    const Json parsed = Json::parse(line, nullptr, false);
    if (parsed.is_discarded()) return invalid_argument(where + ": malformed JSON");
    TESSERA_ASSIGN_OR_RETURN(WorkItem item, parse_line(parsed, where, shape));
    items.push_back(std::move(item));
  }
  if (items.empty()) return invalid_argument(name + ": the dataset has no lines");
  return items;
}

Result<std::vector<WorkItem>> load_dataset(const std::string& path, Shape shape) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument(path + ": cannot open the dataset");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_dataset(text.str(), path, shape);
}

std::vector<double> poisson_schedule(double rate_per_s, int64_t count, double duration_s,
                                     uint64_t seed) {
  std::vector<double> offsets;
  if (rate_per_s <= 0) return offsets;
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> gap(rate_per_s);
  double t = 0;
  for (;;) {
    if (count > 0 && static_cast<int64_t>(offsets.size()) >= count) break;
    if (count <= 0 && t > duration_s) break;
    offsets.push_back(t);
    t += gap(rng);
  }
  return offsets;
}

}  // namespace tessera::bench
