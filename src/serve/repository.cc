#include "serve/repository.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace tessera::serve {
namespace fs = std::filesystem;

namespace {

// What poll mode compares: every file directly in the folder (name, size, modification time),
// and the GGUF model.yaml names when it lives elsewhere. Empty when the folder is gone.
std::string folder_fingerprint(const std::string& folder) {
  std::error_code ec;
  std::vector<std::string> lines;
  auto describe = [&](const fs::path& path) {
    std::error_code stat_ec;
    const auto size = fs::file_size(path, stat_ec);
    if (stat_ec) return;
    const auto modified = fs::last_write_time(path, stat_ec);
    if (stat_ec) return;
    lines.push_back(path.string() + " " + std::to_string(size) + " " +
                    std::to_string(modified.time_since_epoch().count()));
  };
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
    if (entry.is_regular_file(ec)) describe(entry.path());
  }
  if (ec && lines.empty()) return "";
  if (Result<ModelConfig> config = load_model_config(folder); config.ok()) {
    if (fs::path(config->file).parent_path() != fs::path(folder)) describe(config->file);
  }
  std::sort(lines.begin(), lines.end());
  std::string out = "folder\n";  // an empty folder still differs from a missing one
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

bool is_model_folder(const fs::directory_entry& entry) {
  const std::string name = entry.path().filename().string();
  std::error_code ec;
  return entry.is_directory(ec) && !name.empty() && name[0] != '.';
}

}  // namespace

Result<ControlMode> control_mode_from_name(std::string_view name) {
  if (name == "none") return ControlMode::kNone;
  if (name == "explicit") return ControlMode::kExplicit;
  if (name == "poll") return ControlMode::kPoll;
  return invalid_argument("--model-control-mode: '" + std::string(name) +
                          "' is not one of none, explicit, poll");
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
  if (poller_.joinable()) poller_.join();
  worker_.join();
  drain_all();
  std::lock_guard<std::mutex> lock(mutex_);
  models_.clear();
}

Status Repository::start(const std::vector<std::string>& startup, double poll_interval_seconds) {
  std::error_code ec;
  fs::directory_iterator it(dir_, ec);
  if (ec) return io_error(dir_ + ": cannot list the model repository: " + ec.message());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const fs::directory_entry& entry : it) {
      if (!is_model_folder(entry)) continue;
      Entry& model = models_[entry.path().filename().string()];
      model.folder = entry.path().string();
      if (mode_ == ControlMode::kPoll) model.fingerprint = folder_fingerprint(model.folder);
    }
  }
  std::vector<std::string> names = startup;
  if (mode_ != ControlMode::kExplicit) {
    names.clear();
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, entry] : models_) names.push_back(name);
  }
  for (const std::string& name : names) {
    TESSERA_RETURN_IF_ERROR(queue_change(name, true, nullptr));
  }
  if (mode_ == ControlMode::kPoll && poll_interval_seconds > 0) {
    poller_ = std::thread([this, poll_interval_seconds] { poller(poll_interval_seconds); });
  }
  return {};
}

Status Repository::poll() {
  if (mode_ != ControlMode::kPoll) {
    return invalid_argument("the repository is polled only in model control mode poll");
  }
  std::map<std::string, std::string> seen;  // name -> fingerprint, as the directory is now
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir_, ec)) {
    if (is_model_folder(entry)) {
      seen[entry.path().filename().string()] = folder_fingerprint(entry.path().string());
    }
  }
  if (ec) return io_error(dir_ + ": cannot list the model repository: " + ec.message());
  std::vector<std::string> to_load, to_remove;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [name, entry] : models_) {
      auto now = seen.find(name);
      if (now == seen.end() || now->second.empty()) {
        if (!entry.fingerprint.empty()) to_remove.push_back(name);
        entry.fingerprint.clear();
      } else if (now->second != entry.fingerprint) {
        entry.fingerprint = now->second;
        to_load.push_back(name);
      }
    }
    for (const auto& [name, fingerprint] : seen) {
      if (models_.count(name) || fingerprint.empty()) continue;
      Entry& entry = models_[name];
      entry.folder = (fs::path(dir_) / name).string();
      entry.fingerprint = fingerprint;
      to_load.push_back(name);
    }
  }
  for (const std::string& name : to_remove) TESSERA_RETURN_IF_ERROR(queue_removal(name));
  for (const std::string& name : to_load)
    TESSERA_RETURN_IF_ERROR(queue_change(name, true, nullptr));
  return {};
}

void Repository::poller(double interval_seconds) {
  const auto interval = std::chrono::duration<double>(interval_seconds);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!changed_.wait_for(lock, interval, [&] { return stopping_ || draining_; })) {
    lock.unlock();
    (void)poll();  // a directory that cannot be listed now may be listable at the next poll
    lock.lock();
  }
}

Status Repository::queue_removal(const std::string& name) {
  return enqueue([this, name] {
    unload(name);
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = models_.find(name);
    // The folder may have come back between the poll and now; then the next poll loads it.
    if (it != models_.end() && it->second.fingerprint.empty()) models_.erase(it);
  });
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

namespace {

Status refuse_outside_explicit_mode(ControlMode mode) {
  if (mode == ControlMode::kExplicit) return {};
  return invalid_argument(std::string("model control mode is ") +
                          (mode == ControlMode::kNone ? "none" : "poll") +
                          ": start with --model-control-mode explicit to load and unload models "
                          "on request");
}

}  // namespace

Status Repository::request_load(const std::string& name, std::function<void(Status)> done) {
  TESSERA_RETURN_IF_ERROR(refuse_outside_explicit_mode(mode_));
  return queue_change(name, true, std::move(done));
}

Status Repository::request_unload(const std::string& name, std::function<void(Status)> done) {
  TESSERA_RETURN_IF_ERROR(refuse_outside_explicit_mode(mode_));
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
