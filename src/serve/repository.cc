#include "serve/repository.h"

#include <filesystem>

namespace tessera::serve {
namespace fs = std::filesystem;

Result<ControlMode> control_mode_from_name(std::string_view name) {
  if (name == "none") return ControlMode::kNone;
  if (name == "explicit") return ControlMode::kExplicit;
  if (name == "poll") return unimplemented("--model-control-mode poll is not implemented yet");
  return invalid_argument("--model-control-mode: '" + std::string(name) +
                          "' is not one of none, explicit");
}

Repository::Repository(std::string dir, ControlMode mode, DeviceRuntime& device, Metrics& metrics)
    : dir_(std::move(dir)), mode_(mode), device_(device), metrics_(metrics), worker_([this] {
        worker();
      }) {}

Repository::~Repository() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  worker_.join();
  drain_all();
  std::lock_guard<std::mutex> lock(mutex_);
  models_.clear();
}

Status Repository::start(const std::vector<std::string>& startup) {
  std::error_code ec;
  fs::directory_iterator it(dir_, ec);
  if (ec) return io_error(dir_ + ": cannot list the model repository: " + ec.message());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const fs::directory_entry& entry : it) {
      const std::string name = entry.path().filename().string();
      if (!entry.is_directory() || name.empty() || name[0] == '.') continue;
      models_[name].folder = entry.path().string();
    }
  }
  std::vector<std::string> names = startup;
  if (mode_ == ControlMode::kNone) {
    names.clear();
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, entry] : models_) names.push_back(name);
  }
  for (const std::string& name : names) {
    TESSERA_RETURN_IF_ERROR(queue_change(name, true, nullptr));
  }
  return {};
}

Status Repository::enqueue(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_ || draining_) return unavailable("the server is shutting down");
  tasks_.push_back(std::move(task));
  ++busy_;
  changed_.notify_all();
  return {};
}

void Repository::worker() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --busy_;
    }
    changed_.notify_all();
  }
}

void Repository::wait_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return busy_ == 0; });
}

Status Repository::queue_change(const std::string& name, bool load,
                                std::function<void(Status)> done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = models_.find(name);
    // A folder added since start is picked up; names are single path components from the URL,
    // and none may climb out of the repository.
    const fs::path folder = fs::path(dir_) / name;
    std::error_code ec;
    if (it == models_.end() && !name.empty() && name[0] != '.' &&
        name.find('/') == std::string::npos && fs::is_directory(folder, ec)) {
      it = models_.emplace(name, Entry()).first;
      it->second.folder = folder.string();
    }
    if (it == models_.end()) {
      return not_found("model '" + name + "' is not in the repository " + dir_);
    }
    it->second.state = load ? "LOADING" : "UNLOADING";
  }
  return enqueue([this, name, load, done = std::move(done)] {
    Status outcome;
    if (load) {
      outcome = this->load(name);
    } else {
      unload(name);
    }
    if (done) done(outcome);
  });
}

Status Repository::request_load(const std::string& name, std::function<void(Status)> done) {
  if (mode_ == ControlMode::kNone) {
    return invalid_argument(
        "model control mode is none: start with --model-control-mode "
        "explicit to load and unload models");
  }
  return queue_change(name, true, std::move(done));
}

Status Repository::request_unload(const std::string& name, std::function<void(Status)> done) {
  if (mode_ == ControlMode::kNone) {
    return invalid_argument(
        "model control mode is none: start with --model-control-mode "
        "explicit to load and unload models");
  }
  return queue_change(name, false, std::move(done));
}

Status Repository::load(const std::string& name) {
  unload(name);  // a reload frees the old instance's memory before the new one is charged
  std::string folder;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    folder = models_[name].folder;
    models_[name].state = "LOADING";
  }
  Status outcome;
  std::shared_ptr<ModelInstance> instance;
  Result<ModelConfig> config = load_model_config(folder);
  if (!config.ok()) {
    outcome = config.status();
  } else {
    Result<std::unique_ptr<ModelInstance>> loaded = ModelInstance::load(*config, device_, metrics_);
    if (loaded.ok()) {
      instance = std::move(*loaded);
    } else {
      outcome = loaded.status();
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  Entry& entry = models_[name];
  entry.instance = std::move(instance);
  entry.state = outcome.ok() ? "READY" : "UNAVAILABLE";
  entry.reason = outcome.ok() ? "" : outcome.message();
  return outcome;
}

void Repository::unload(const std::string& name) {
  std::shared_ptr<ModelInstance> instance;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Entry& entry = models_[name];
    instance = std::move(entry.instance);
    entry.reason.clear();
  }
  // Requests already submitted finish; new ones see UNLOADING / UNLOADED.
  if (instance) instance->drain();
  instance.reset();
  std::lock_guard<std::mutex> lock(mutex_);
  models_[name].state = "UNLOADED";
}

Result<std::shared_ptr<ModelInstance>> Repository::get(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = models_.find(name);
  if (it == models_.end()) return not_found("model '" + name + "' is not in the repository");
  const Entry& entry = it->second;
  if (entry.state != "READY" || !entry.instance) {
    std::string message = "model '" + name + "' is not ready (" + entry.state + ")";
    if (!entry.reason.empty()) message += ": " + entry.reason;
    return unavailable(message);
  }
  return entry.instance;
}

std::vector<ModelStatus> Repository::index() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ModelStatus> out;
  for (const auto& [name, entry] : models_) {
    ModelStatus s;
    s.name = name;
    s.state = entry.state;
    s.reason = entry.reason;
    out.push_back(std::move(s));
  }
  return out;
}

bool Repository::ready() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return busy_ == 0 && !draining_;
}

void Repository::drain_all() {
  std::vector<std::shared_ptr<ModelInstance>> instances;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    draining_ = true;
    for (auto& [name, entry] : models_) {
      if (entry.instance) instances.push_back(entry.instance);
    }
  }
  for (auto& instance : instances) instance->drain();
}

}  // namespace tessera::serve
