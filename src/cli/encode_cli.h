// The encoder side of `tessera run` and `tessera perf` (BERT-family embedders and rerankers):
//   tessera run MODEL.gguf --embed -f texts.txt          one JSON array per input line
//   tessera run MODEL.gguf --rerank QUERY -f docs.txt    one JSON object per document, best first
//   tessera perf MODEL.gguf --embed --texts N --words 20..60 [--json]
// run.cc and perf.cc add these flags to their subcommands and hand over when they are given.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace tessera::cli {

struct EncodeRunFlags {
  bool embed = false;
  bool rerank = false;  // set when --rerank QUERY is given
  std::string query;
  std::string texts_file;  // one text per line; "-" reads stdin
  std::string pooling;     // empty: the model's bert.pooling_type
  bool no_normalize = false;
  bool no_truncate = false;
  int64_t batch_tokens = 2048;

  bool requested() const { return embed || rerank; }
};

void add_encode_run_flags(CLI::App& cmd, EncodeRunFlags& flags);
// `threads` as --threads (0: all cores).
int run_encode(const std::string& model, int threads, const EncodeRunFlags& flags);

struct EncodePerfFlags {
  bool embed = false;
  int64_t texts = 256;
  std::string words = "20..60";  // words per text, uniformly drawn from MIN..MAX
  int64_t batch_tokens = 2048;
  uint64_t seed = 1;
  bool probe_compute = false;  // perf's --probe-compute: also report the compute limit
  // Also write the generated texts, one per line, so another engine can embed the same ones.
  std::string save_texts;
};

void add_encode_perf_flags(CLI::App& cmd, EncodePerfFlags& flags);
// Prints {"texts":..,"tokens":..,"seconds":..,"texts_s":..,"tokens_s":..,"threads":..}.
int run_encode_perf(const std::string& model, int threads, bool json, const EncodePerfFlags& flags);

}  // namespace tessera::cli
