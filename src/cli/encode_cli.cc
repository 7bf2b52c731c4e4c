#include "cli/encode_cli.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "backend/cpu/compute_probe.h"
#include "backend/cpu/cpu_backend.h"
#include "cli/command.h"
#include "models/synthetic_random.h"
#include "runtime/encode.h"

namespace tessera::cli {
namespace {

Result<std::vector<std::string>> read_lines(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return io_error(path + ": cannot open");
    in = &file;
  }
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(*in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  if (in->bad()) return io_error(path + ": read failed");
  return lines;
}

Result<EncodeOptions> encode_options(const EncodeRunFlags& flags) {
  EncodeOptions options;
  if (!flags.pooling.empty()) {
    TESSERA_ASSIGN_OR_RETURN(options.pooling, pooling_from_name(flags.pooling));
  }
  options.normalize = !flags.no_normalize;
  options.truncate = !flags.no_truncate;
  options.max_batch_tokens = flags.batch_tokens;
  return options;
}

// One line per text, in input order: the embedding, or for pooling none the token embeddings.
void print_embeddings(const EmbedResult& result) {
  for (const std::vector<float>& v : result.embeddings) {
    nlohmann::json line = nlohmann::json::array();
    if (result.pooling == Pooling::kNone) {
      for (size_t at = 0; at < v.size(); at += static_cast<size_t>(result.dim)) {
        line.push_back(
            std::vector<float>(v.begin() + static_cast<std::ptrdiff_t>(at),
                               v.begin() + static_cast<std::ptrdiff_t>(at) + result.dim));
      }
    } else {
      line = v;
    }
    std::printf("%s\n", line.dump().c_str());
  }
}

void print_ranking(const RerankResult& result, const std::vector<std::string>& documents) {
  std::vector<size_t> order(documents.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return result.scores[a] > result.scores[b]; });
  for (size_t i : order) {
    const nlohmann::ordered_json line = {
        {"index", i}, {"score", result.scores[i]}, {"document", documents[i]}};
    std::printf("%s\n",
                line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU time of all threads of the process: on a shared machine, tokens per CPU-second shows the
// work's cost even when other processes take cores away from the wall-clock measurement.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

Status parse_word_range(const std::string& text, int64_t& lo, int64_t& hi) {
  const size_t dots = text.find("..");
  try {
    size_t used = 0;
    if (dots == std::string::npos) {
      lo = hi = std::stoll(text, &used);
      if (used != text.size()) throw std::invalid_argument(text);
    } else {
      lo = std::stoll(text.substr(0, dots), &used);
      if (used != dots) throw std::invalid_argument(text);
      const std::string rest = text.substr(dots + 2);
      hi = std::stoll(rest, &used);
      if (used != rest.size()) throw std::invalid_argument(text);
    }
  } catch (const std::exception&) {
    return invalid_argument("--words '" + text + "' is not N or MIN..MAX");
  }
  if (lo < 1 || hi < lo) {
    return invalid_argument("--words '" + text + "' needs 1 <= MIN <= MAX");
  }
  return {};
}

// Texts of whole words from the model's own vocabulary ("▁word" pieces of plain ASCII letters),
// so tokenization sees realistic words; deterministic for a seed.
std::vector<std::string> synthetic_texts(const Vocabulary& vocab, int64_t n_texts, int64_t lo,
                                         int64_t hi, uint64_t seed) {
  constexpr std::string_view kWordPrefix = "\xE2\x96\x81";
  std::vector<std::string> words;
  for (int32_t id = 0; id < vocab.size(); ++id) {
    const std::string& t = vocab.text(id);
    if (t.size() < kWordPrefix.size() + 2 || t.rfind(kWordPrefix, 0) != 0) continue;
    const std::string_view w = std::string_view(t).substr(kWordPrefix.size());
    if (std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
      words.emplace_back(w);
    }
  }
  if (words.empty()) words.push_back("word");
  SplitMix64 rng(seed);
  std::vector<std::string> texts(static_cast<size_t>(n_texts));
  for (std::string& text : texts) {
    const int64_t n_words =
        lo + static_cast<int64_t>(rng.next() % static_cast<uint64_t>(hi - lo + 1));
    for (int64_t w = 0; w < n_words; ++w) {
      if (w) text += ' ';
      text += words[rng.next() % words.size()];
    }
  }
  return texts;
}

}  // namespace

void add_encode_run_flags(CLI::App& cmd, EncodeRunFlags& flags) {
  cmd.add_flag(
      "--embed", flags.embed,
      "Embed each line of -f with an encoder (bert, nomic-bert); prints one JSON array per line");
  cmd.add_option_function<std::string>(
      "--rerank",
      [&flags](const std::string& query) {
        flags.query = query;
        flags.rerank = true;
      },
      "Score each line of -f as a document for this query with a reranker; prints the "
      "documents best first");
  cmd.add_option("-f,--file", flags.texts_file,
                 "Texts (--embed) or documents (--rerank), one per "
                 "line; - reads stdin");
  cmd.add_option("--pooling", flags.pooling,
                 "--embed: override the model's pooling_type: none, mean, cls or last")
      ->check(CLI::IsMember({"none", "mean", "cls", "last"}));
  cmd.add_flag("--no-normalize", flags.no_normalize, "--embed: do not L2-normalize embeddings");
  cmd.add_flag("--no-truncate", flags.no_truncate,
               "Fail on texts longer than the context instead of cutting them");
  cmd.add_option("--batch-tokens", flags.batch_tokens, "Tokens per forward step (encoders)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

int run_encode(const std::string& model_path, int threads, const EncodeRunFlags& flags) {
  if (flags.embed && flags.rerank) {
    return report_error("run", invalid_argument("--embed and --rerank exclude each other"));
  }
  if (flags.texts_file.empty()) {
    return report_error("run", invalid_argument(std::string(flags.embed ? "--embed" : "--rerank") +
                                                " needs -f FILE (one text per line)"));
  }
  if (flags.rerank && !flags.pooling.empty()) {
    return report_error("run", invalid_argument("--pooling applies to --embed, not --rerank"));
  }
  Result<EncodeOptions> options = encode_options(flags);
  if (!options.ok()) return report_error("run", options.status());
  Result<std::vector<std::string>> texts = read_lines(flags.texts_file);
  if (!texts.ok()) return report_error("run", texts.status());
  if (texts->empty()) {
    return report_error("run",
                        invalid_argument(flags.texts_file + ": no texts (the file is empty)"));
  }
  CpuBackend backend(threads);
  Arena arena("run", UINT64_MAX);  // a standalone run has no slice quota
  Result<std::unique_ptr<Encoder>> encoder =
      Encoder::load(model_path, backend, arena, options->max_batch_tokens);
  if (!encoder.ok()) return report_error("run", encoder.status());
  if (flags.embed && flags.pooling.empty() &&
      (*encoder)->model().config().pooling == Pooling::kNone) {
    return report_error(
        "run", invalid_argument(model_path + " has " + (*encoder)->model().config().arch +
                                ".pooling_type none: it gives one vector per token, not "
                                "one per text; choose --pooling mean, cls or last (or --pooling "
                                "none to print the token vectors)"));
  }
  const double start = now_seconds();
  int64_t tokens = 0, truncated = 0;
  if (flags.embed) {
    Result<EmbedResult> result = (*encoder)->embed(*texts, *options);
    if (!result.ok()) return report_error("run", result.status());
    print_embeddings(*result);
    tokens = result->tokens;
    truncated = result->truncated;
  } else {
    Result<RerankResult> result = (*encoder)->rerank(flags.query, *texts, *options);
    if (!result.ok()) return report_error("run", result.status());
    print_ranking(*result, *texts);
    tokens = result->tokens;
    truncated = result->truncated;
  }
  const double seconds = now_seconds() - start;
  const std::string note = truncated ? ", " + std::to_string(truncated) + " truncated" : "";
  std::fprintf(stderr, "tessera run: %zu texts, %lld tokens in %.3f s (%.1f tok/s)%s\n",
               texts->size(), static_cast<long long>(tokens), seconds,
               static_cast<double>(tokens) / std::max(seconds, 1e-9), note.c_str());
  return kExitOk;
}

void add_encode_perf_flags(CLI::App& cmd, EncodePerfFlags& flags) {
  cmd.add_flag("--embed", flags.embed,
               "Measure embedding throughput of a BERT-family model instead of generation");
  cmd.add_option("--texts", flags.texts, "--embed: texts per measurement")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--words", flags.words, "--embed: words per text, N or MIN..MAX")
      ->capture_default_str();
  cmd.add_option("--embed-batch-tokens", flags.batch_tokens, "--embed: tokens per forward step")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--embed-seed", flags.seed, "--embed: seed of the generated texts")
      ->capture_default_str();
  cmd.add_option("--save-texts", flags.save_texts,
                 "--embed: also write the generated texts here, one per line (to run another "
                 "engine on the same ones)");
}

int run_encode_perf(const std::string& model_path, int threads, bool json,
                    const EncodePerfFlags& flags) {
  int64_t lo = 0, hi = 0;
  if (Status s = parse_word_range(flags.words, lo, hi); !s.ok()) return report_error("perf", s);
  CpuBackend backend(threads);
  ThreadPool& pool = backend.pool();  // the probe measures the cores the forward passes use
  Arena arena("perf", UINT64_MAX);    // a benchmark has no slice quota
  Result<std::unique_ptr<Encoder>> loaded =
      Encoder::load(model_path, backend, arena, flags.batch_tokens);
  if (!loaded.ok()) return report_error("perf", loaded.status());
  Encoder& encoder = **loaded;
  EncodeOptions options;
  options.max_batch_tokens = flags.batch_tokens;
  // perf measures the encoder itself: a reranker, or a file without a pooling type, is run with
  // mean pooling (the head or the pooling choice is a negligible part of the work).
  if (!encoder.embed_pooling(options).ok()) options.pooling = Pooling::kMean;
  const std::vector<std::string> texts =
      synthetic_texts(encoder.tokenizer().vocab(), flags.texts, lo, hi, flags.seed);
  if (!flags.save_texts.empty()) {
    std::ofstream out(flags.save_texts, std::ios::binary | std::ios::trunc);
    for (const std::string& text : texts) out << text << '\n';
    out.flush();
    if (!out) return report_error("perf", io_error(flags.save_texts + ": cannot write the texts"));
  }
  double limit_tok_s = 0.0;
  if (flags.probe_compute) {
    Result<ComputePeaks> peaks = measure_compute_peaks(pool, 3);
    if (!peaks.ok()) return report_error("perf", peaks.status());
    const gguf::File& file = encoder.model().file();
    limit_tok_s = 1.0 / compute_seconds_per_token(file, *peaks, false);
    const nlohmann::ordered_json probe = {{"probe", "compute"},
                                          {"threads", pool.size()},
                                          {"isa", peaks->isa},
                                          {"int16_gmac_s", peaks->int16_gmac_s},
                                          {"f32_gmac_s", peaks->f32_gmac_s},
                                          {"weight_macs_per_token", weight_macs_per_token(file)},
                                          {"embed_limit_tok_s", limit_tok_s}};
    std::printf("%s\n", json ? probe.dump().c_str() : probe.dump(2).c_str());
  }
  // One small warm-up step maps the weights in and starts the threads.
  const size_t warm = std::min<size_t>(texts.size(), 4);
  if (Result<EmbedResult> r = encoder.embed({texts.data(), warm}, options); !r.ok()) {
    return report_error("perf", r.status());
  }
  const double start = now_seconds(), cpu_start = cpu_seconds();
  Result<EmbedResult> result = encoder.embed(texts, options);
  const double seconds = now_seconds() - start, cpu = cpu_seconds() - cpu_start;
  if (!result.ok()) return report_error("perf", result.status());
  const auto n_texts = static_cast<double>(texts.size());
  const auto n_tokens = static_cast<double>(result->tokens);
  nlohmann::ordered_json row = {{"mode", "embed"},
                                {"texts", texts.size()},
                                {"words", flags.words},
                                {"tokens", result->tokens},
                                {"seconds", seconds},
                                {"texts_s", n_texts / seconds},
                                {"tokens_s", n_tokens / seconds},
                                {"cpu_seconds", cpu},
                                {"tokens_per_cpu_s", n_tokens / cpu},
                                {"batch_tokens", flags.batch_tokens},
                                {"threads", pool.size()}};
  if (flags.probe_compute) row["compute_fraction"] = n_tokens / seconds / limit_tok_s;
  std::printf("%s\n", json ? row.dump().c_str() : row.dump(2).c_str());
  return kExitOk;
}

}  // namespace tessera::cli
