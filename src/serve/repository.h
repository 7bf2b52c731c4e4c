// The model repository: DIR holds one folder per model (model.yaml + GGUF, see model_config.h)
// and slices.yaml, the device config its models' slices come from. Loading and unloading run on
// the repository's own worker thread, one at a time, never on an I/O thread; a model that fails to
// load is UNAVAILABLE with its reason and does not stop the others.
//
// Control modes, as Triton names them: `none` loads every model at start and refuses load/unload
// requests; `explicit` loads nothing at start (except the models named at start) and follows
// load/unload requests; `poll` loads every model at start, then rescans the directory every few
// seconds: a new folder is loaded, a folder whose files changed (name, size or modification time
// of any file in it, or of the GGUF its model.yaml names) is reloaded, a removed folder is
// unloaded and leaves the index. Load/unload requests are refused in `none` and `poll`, as
// Triton refuses them. A reload frees the old instance before the new one is charged to the
// slice (the quota may not hold both), so a reload that fails leaves the model UNAVAILABLE with
// its reason until the next change.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "serve/device_runtime.h"
#include "serve/metrics.h"
#include "serve/model_instance.h"

namespace tessera::serve {

enum class ControlMode { kNone, kExplicit, kPoll };
Result<ControlMode> control_mode_from_name(std::string_view name);

inline constexpr const char* kSlicesConfigFile = "slices.yaml";

struct ModelStatus {
  std::string name;
  std::string version = "1";
  std::string state;  // READY | LOADING | UNLOADING | UNAVAILABLE | UNLOADED
  std::string reason;
};

class Repository {
 public:
  // `device` and `metrics` must outlive the repository.
  Repository(std::string dir, ControlMode mode, DeviceRuntime& device, Metrics& metrics);
  ~Repository();  // finishes queued work, drains and frees every model

  const std::string& dir() const { return dir_; }
  ControlMode mode() const { return mode_; }

  // Lists the model folders and queues the loads: all of them in modes none and poll, `startup`
  // in explicit mode (unknown names fail here). In poll mode with `poll_interval_seconds` > 0 a
  // thread then calls poll() at that interval.
  Status start(const std::vector<std::string>& startup = {}, double poll_interval_seconds = 0);
  // Poll mode: compares the directory with what was last seen and queues the loads, reloads and
  // unloads the differences need. FailedPrecondition in the other modes.
  Status poll();
  // Blocks until queued loads and unloads are done (tests, and the server before it says ready).
  void wait_idle();

  // Queue a load (a reload when loaded) or unload; `done` runs on the worker thread with the
  // outcome. InvalidArgument in mode none, NotFound for a name that has no folder.
  Status request_load(const std::string& name, std::function<void(Status)> done);
  Status request_unload(const std::string& name, std::function<void(Status)> done);

  // The ready model; NotFound when there is no such model, Unavailable (with its state and
  // reason) when it is not ready.
  Result<std::shared_ptr<ModelInstance>> get(const std::string& name) const;
  std::vector<ModelStatus> index() const;
  // Every model settled (none loading or unloading) and the repository not draining.
  bool ready() const;
  // Stops taking requests for every model and finishes what they have (SIGTERM).
  void drain_all();

 private:
  struct Entry {
    std::string folder;
    std::string state = "UNLOADED";
    std::string reason;
    std::shared_ptr<ModelInstance> instance;
    std::string fingerprint;  // poll mode: the folder as last seen
  };

  Status enqueue(std::function<void()> task);
  void worker();
  Status load(const std::string& name);
  void unload(const std::string& name);
  Status queue_change(const std::string& name, bool load, std::function<void(Status)> done);
  Status queue_removal(const std::string& name);
  void poller(double interval_seconds);

  const std::string dir_;
  const ControlMode mode_;
  DeviceRuntime& device_;
  Metrics& metrics_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Entry> models_;
  std::deque<std::function<void()>> tasks_;
  int busy_ = 0;  // tasks queued or running
  bool stopping_ = false;
  bool draining_ = false;
  std::thread worker_;
  std::thread poller_;  // poll mode only
};

}  // namespace tessera::serve
