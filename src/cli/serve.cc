// tessera serve [--repository DIR] [--host H] [--http-port P] [--grpc-port P] [--metrics-port P]
//               [--api-key K]
// With no --repository it serves the bundled demo (serve/demo_repository.h), written on first use.
// SIGTERM or SIGINT: stop accepting, finish the requests in flight, exit 0.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "base/byte_size.h"
#include "cli/command.h"
#include "serve/demo_repository.h"
#include "serve/server.h"

namespace tessera::cli {
namespace {

struct ServeFlags {
  std::string repository;
  std::string demo_dir = serve::default_demo_dir();
  std::string control_mode = "none";
  std::string body_limit = "16MiB";
  serve::ServerOptions server;
};

int run_serve(ServeFlags& flags) {
  // Blocked before any thread starts, so every thread inherits the mask and only sigwait below
  // sees the signal: shutdown then runs on this thread, outside any signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  serve::ServerOptions& options = flags.server;
  Result<serve::ControlMode> mode = serve::control_mode_from_name(flags.control_mode);
  if (!mode.ok()) return report_error("serve", mode.status());
  options.control_mode = *mode;
  Result<uint64_t> limit = parse_byte_size(flags.body_limit);
  if (!limit.ok()) {
    return report_error("serve", invalid_argument("--body-limit: " + limit.status().message()));
  }
  options.body_limit_bytes = *limit;
  if (options.api_key.empty()) {
    if (const char* key = std::getenv("TESSERA_API_KEY")) options.api_key = key;
  }
  options.repository = flags.repository;
  if (options.repository.empty()) {
    std::fprintf(stderr, "tessera serve: no --repository; serving the demo in %s\n",
                 flags.demo_dir.c_str());
    Result<std::string> demo = serve::ensure_demo_repository(flags.demo_dir);
    if (!demo.ok()) return report_error("serve", demo.status());
    options.repository = *demo;
  }
  Result<std::unique_ptr<serve::Server>> server = serve::Server::start(options);
  if (!server.ok()) return report_error("serve", server.status());
  for (const serve::ModelStatus& s : (*server)->repository().index()) {
    std::fprintf(stderr, "tessera serve: model %s: %s%s%s\n", s.name.c_str(), s.state.c_str(),
                 s.reason.empty() ? "" : ": ", s.reason.c_str());
  }
  std::printf(
      "tessera serve: listening on http://%s:%u and grpc %s:%u (metrics http://%s:%u/metrics)\n",
      options.host.c_str(), (*server)->http_port(), options.host.c_str(), (*server)->grpc_port(),
      options.host.c_str(), (*server)->metrics_port());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "tessera serve: %s: finishing requests in flight\n",
               received == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->shutdown();
  return kExitOk;
}

}  // namespace

Action register_serve(CLI::App& root) {
  auto flags = std::make_shared<ServeFlags>();
  serve::ServerOptions& o = flags->server;
  CLI::App* cmd = root.add_subcommand(
      "serve",
      "Serve a model repository over KServe v2 (HTTP and gRPC) and OpenAI HTTP APIs, with metrics");
  cmd->add_option("--repository", flags->repository,
                  "Model repository: one folder per model (model.yaml + GGUF) and slices.yaml; "
                  "default: the bundled demo");
  cmd->add_option("--demo-dir", flags->demo_dir, "Where the demo repository is written")
      ->capture_default_str();
  cmd->add_option("--host", o.host, "Address to bind")->capture_default_str();
  cmd->add_option("--http-port", o.http_port, "HTTP port (0: any free port)")
      ->capture_default_str();
  cmd->add_option("--grpc-port", o.grpc_port, "KServe v2 gRPC port (0: any free port)")
      ->capture_default_str();
  cmd->add_option("--metrics-port", o.metrics_port, "Prometheus metrics port (0: any free port)")
      ->capture_default_str();
  cmd->add_option("--api-key", o.api_key,
                  "Require 'Authorization: Bearer KEY' (HTTP header or gRPC metadata) on every "
                  "endpoint but health (or set TESSERA_API_KEY)");
  cmd->add_option("--model-control-mode", flags->control_mode,
                  "none: load every model at start; explicit: load/unload on request; "
                  "poll: load every model, then follow changes to the repository")
      ->capture_default_str();
  cmd->add_option("--repository-poll-secs", o.poll_interval_seconds,
                  "Poll mode: seconds between rescans of the repository")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--load-model", o.load_models, "Explicit mode: load this model at start");
  cmd->add_option("-t,--threads", o.compute_threads, "Compute threads (default: the device's)");
  cmd->add_option("--io-threads", o.io_threads, "Network I/O threads")->capture_default_str();
  cmd->add_option("--body-limit", flags->body_limit, "Largest request body (413 beyond)")
      ->capture_default_str();
  return [flags] { return run_serve(*flags); };
}

}  // namespace tessera::cli
