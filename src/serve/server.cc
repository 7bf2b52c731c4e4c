#include "serve/server.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "serve/process_metrics.h"
#include "serve/serve_metrics.h"

namespace tessera::serve {
namespace {

// How often shutdown looks at the requests still in flight.
constexpr std::chrono::milliseconds kDrainPoll{10};

void collect_device_metrics(DeviceRuntime& device, Repository& repository, Metrics& m) {
  const std::vector<SliceAccount> accounts = device.scheduler().accounts();
  for (size_t i = 0; i < device.slices().size(); ++i) {
    const Slice& slice = *device.slices()[i];
    const Labels labels{{"slice", slice.name()}};
    m.set(kSliceMemoryUsed, labels, static_cast<double>(slice.arena().used_bytes()));
    m.set(kSliceMemoryQuota, labels, static_cast<double>(slice.arena().quota_bytes()));
    if (i < accounts.size()) {
      m.set(kSliceQueuedSteps, labels, static_cast<double>(accounts[i].queue_length));
    }
  }
  for (const ModelStatus& s : repository.index()) {
    Result<std::shared_ptr<ModelInstance>> model = repository.get(s.name);
    m.set(kModelQueued, {{"model", s.name}},
          model.ok() ? static_cast<double>((*model)->queued()) : 0.0);
  }
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options) {
  std::unique_ptr<Server> server(new Server());
  const std::string slices_path =
      (std::filesystem::path(options.repository) / kSlicesConfigFile).string();
  TESSERA_ASSIGN_OR_RETURN(DeviceConfig config, load_device_config(slices_path));
  TESSERA_ASSIGN_OR_RETURN(server->device_,
                           DeviceRuntime::create(std::move(config), options.compute_threads));
  declare_serve_metrics(server->metrics_);
  register_process_metrics(server->metrics_);
  server->repository_ = std::make_unique<Repository>(options.repository, options.control_mode,
                                                     *server->device_, server->metrics_);
  server->context_ = std::unique_ptr<ServeContext>(
      new ServeContext{*server->repository_, *server->device_, server->metrics_, options.api_key});
  DeviceRuntime* device = server->device_.get();
  Repository* repository = server->repository_.get();
  // Slice compute seconds come from the scheduler's running total; remember what was reported.
  auto reported = std::make_shared<std::vector<double>>(device->slices().size(), 0.0);
  server->metrics_.on_render([device, repository, reported](Metrics& m) {
    collect_device_metrics(*device, *repository, m);
    const std::vector<SliceAccount> accounts = device->scheduler().accounts();
    for (size_t i = 0; i < accounts.size() && i < reported->size(); ++i) {
      const double total = accounts[i].compute_seconds();
      m.add(kSliceComputeSeconds, {{"slice", accounts[i].name}}, total - (*reported)[i]);
      (*reported)[i] = total;
    }
  });

  server->io_ = std::make_unique<IoPool>(options.io_threads);
  HttpServerOptions api_options{options.host, options.http_port, options.body_limit_bytes};
  TESSERA_ASSIGN_OR_RETURN(server->api_, HttpServer::start(*server->io_, api_options,
                                                           make_api_handler(*server->context_)));
  GrpcFrontendOptions grpc_options{options.host, options.grpc_port, options.body_limit_bytes};
  TESSERA_ASSIGN_OR_RETURN(server->grpc_, GrpcFrontend::start(*server->context_, grpc_options));
  HttpServerOptions metrics_options{options.host, options.metrics_port, 64 * kKiB};
  TESSERA_ASSIGN_OR_RETURN(
      server->metrics_server_,
      HttpServer::start(*server->io_, metrics_options, make_metrics_handler(server->metrics_)));
  // Loads start after the ports are open, so /v2/health/live answers while models load and
  // /v2/health/ready says 503 until they are done.
  TESSERA_RETURN_IF_ERROR(server->repository_->start(options.load_models, options.poll_interval_seconds));
  if (options.wait_for_models) server->repository_->wait_idle();
  return server;
}

Server::~Server() { shutdown(); }

void Server::shutdown(double grace_seconds) {
  if (stopped_) return;
  stopped_ = true;
  if (context_) context_->shutting_down = true;
  const auto grace = std::chrono::duration<double>(grace_seconds);
  const auto grpc_deadline = std::chrono::system_clock::now() +
                             std::chrono::duration_cast<std::chrono::system_clock::duration>(grace);
  if (api_) api_->stop_accepting();
  // Engines finish what they hold; their replies go out through the still-running I/O threads.
  if (repository_) repository_->drain_all();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(grace);
  while (api_ && api_->active_requests() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kDrainPoll);
  }
  // gRPC's transport closes last: until here a new call gets a definite UNAVAILABLE from the
  // frontend (shutting_down), where a call racing gRPC's own shutdown may come back CANCELLED.
  // Calls still open (a stream the client has not closed) get until the same deadline.
  if (grpc_) {
    grpc_->shutdown(grpc_deadline);
    grpc_->wait();
  }
  if (metrics_server_) metrics_server_->stop_accepting();
  if (io_) io_->stop();
  api_.reset();
  grpc_.reset();
  metrics_server_.reset();
  repository_.reset();
  context_.reset();
  device_.reset();
}

}  // namespace tessera::serve
