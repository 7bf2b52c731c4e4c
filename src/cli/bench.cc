// tessera bench --url URL --model NAME [--api openai|kserve] [--endpoint ...] [--concurrency 1,2,4]
//               [--rate R1,R2] [--duration S | --requests N] [--stream] [--json] [--html FILE] ...
// A load generator for any server speaking OpenAI or KServe v2 HTTP (see docs/bench.md).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "bench/bench_run.h"
#include "bench/html_report.h"
#include "cli/command.h"

namespace tessera::cli {
namespace {

struct BenchFlags {
  bench::BenchConfig config;
  std::string api = "openai";
  std::string endpoint;
  std::string kind = "generate";
  std::string prompt_words = "32";
  std::string output_tokens = "32";
  std::string dataset;
  bool stream = false;
  bool json = false;
  std::string html;
};

int run_bench_command(BenchFlags& flags) {
  bench::BenchConfig& config = flags.config;
  Result<bench::ApiTarget> target =
      bench::make_target(flags.api, flags.endpoint, flags.kind, flags.stream);
  if (!target.ok()) return report_error("bench", target.status());
  const std::string model = config.target.model;  // --model was parsed into the target
  config.target = *target;
  config.target.model = model;
  if (!config.concurrency.empty() && !config.rates.empty()) {
    return report_error("bench", invalid_argument("--concurrency and --rate exclude each other"));
  }
  if (config.concurrency.empty() && config.rates.empty()) config.concurrency = {1};
  for (int64_t c : config.concurrency) {
    if (c < 1) return report_error("bench", invalid_argument("--concurrency: levels must be >= 1"));
  }
  for (double r : config.rates) {
    if (r <= 0) return report_error("bench", invalid_argument("--rate: rates must be > 0"));
  }
  if (config.requests <= 0 && config.duration_s <= 0) {
    return report_error("bench", invalid_argument("--duration or --requests must be > 0"));
  }
  Result<bench::LengthDistribution> prompt =
      bench::parse_length(flags.prompt_words, "--prompt-words");
  if (!prompt.ok()) return report_error("bench", prompt.status());
  Result<bench::LengthDistribution> output =
      bench::parse_length(flags.output_tokens, "--output-tokens");
  if (!output.ok()) return report_error("bench", output.status());
  config.synthetic.prompt_words = *prompt;
  config.synthetic.output_tokens = *output;
  if (!flags.dataset.empty()) {
    Result<std::vector<bench::WorkItem>> items =
        bench::load_dataset(flags.dataset, bench::target_shape(config.target));
    if (!items.ok()) return report_error("bench", items.status());
    config.dataset = std::move(*items);
  }
  config.progress = isatty(STDERR_FILENO) != 0;
  Result<std::vector<bench::LevelReport>> reports = bench::run_bench(config);
  if (!reports.ok()) return report_error("bench", reports.status());
  if (flags.json) {
    std::fputs(bench::format_json(*reports, config.url, config.target.model, flags.api,
                                  flags.endpoint.empty() ? "default" : flags.endpoint)
                   .c_str(),
               stdout);
  } else {
    std::fputs(bench::format_table(*reports).c_str(), stdout);
  }
  if (!flags.html.empty()) {
    std::ofstream out(flags.html, std::ios::binary);
    out << bench::format_html(*reports,
                              "tessera bench: " + config.target.model + " at " + config.url);
    out.close();
    if (!out) return report_error("bench", io_error(flags.html + ": cannot write the report"));
  }
  return kExitOk;
}

}  // namespace

Action register_bench(CLI::App& root) {
  auto flags = std::make_shared<BenchFlags>();
  bench::BenchConfig& c = flags->config;
  CLI::App* cmd = root.add_subcommand(
      "bench",
      "Load-test any server speaking OpenAI or KServe v2 HTTP: latency, throughput, "
      "goodput, per load level");
  cmd->add_option("--url", c.url, "Server address, http://host:port[/base]")->required();
  cmd->add_option("--model", c.target.model, "Model name to request")->required();
  cmd->add_option("--api", flags->api, "openai or kserve")->capture_default_str();
  cmd->add_option("--endpoint", flags->endpoint,
                  "openai: chat|completions|embeddings|rerank (default chat); kserve: infer");
  cmd->add_option("--kind", flags->kind, "kserve infer: what the model is (generate|embed|rerank)")
      ->capture_default_str();
  cmd->add_option("--concurrency", c.concurrency,
                  "Closed-loop levels, one after another (e.g. 1,2,4,8); default 1")
      ->delimiter(',');
  cmd->add_option("--rate", c.rates, "Open-loop Poisson rates in requests/s (e.g. 5,10,20)")
      ->delimiter(',');
  cmd->add_option("--duration", c.duration_s, "Seconds per level (when --requests is 0)")
      ->capture_default_str();
  cmd->add_option("--requests", c.requests, "Requests per level (overrides --duration)");
  cmd->add_option("--prompt-words", flags->prompt_words,
                  "Synthetic prompt length in words (not tokens): N or A..B (uniform)")
      ->capture_default_str();
  cmd->add_option("--output-tokens", flags->output_tokens,
                  "max_tokens per generate request: N or A..B (uniform)")
      ->capture_default_str();
  cmd->add_option("--documents", c.synthetic.documents, "Rerank: documents per request")
      ->capture_default_str();
  cmd->add_option("--dataset", flags->dataset,
                  "JSONL prompts instead of synthetic ones (schema: docs/bench.md)");
  cmd->add_option("--seed", c.synthetic.seed, "Seed of prompts and arrivals")
      ->capture_default_str();
  cmd->add_flag("--stream", flags->stream,
                "chat/completions: stream (SSE) to measure TTFT and ITL");
  cmd->add_option("--api-key", c.run.api_key, "Sent as 'Authorization: Bearer KEY'");
  cmd->add_option("--timeout", c.run.timeout_s, "Per-request timeout in seconds")
      ->capture_default_str();
  cmd->add_option("--max-in-flight", c.run.max_in_flight,
                  "Open loop: requests beyond this many in flight are dropped (counted)")
      ->capture_default_str();
  cmd->add_option("--slo-ttft", c.slo.ttft_ms, "Goodput: TTFT objective in ms (0: none)");
  cmd->add_option("--slo-p99", c.slo.p99_ms,
                  "Goodput: a request meets the SLO when its latency is <= this many ms (0: none)");
  cmd->add_option("--metrics-url", c.metrics_url,
                  "Server's Prometheus metrics (http://host:8002/metrics), scraped around levels");
  cmd->add_option("--util-metric", c.util_metric,
                  "Busy-seconds counter whose rate is the device utilisation")
      ->capture_default_str();
  cmd->add_option("--alarm-p99-growth", c.alarm.growth_factor,
                  "ALARM when p99 grows more than this factor from the previous level...")
      ->capture_default_str();
  cmd->add_option("--alarm-utilisation", c.alarm.utilisation_threshold,
                  "...while utilisation (0..1) stays below this")
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "Print JSON instead of the table");
  cmd->add_option("--html", flags->html, "Write a self-contained HTML report here");
  return [flags] { return run_bench_command(*flags); };
}

}  // namespace tessera::cli
