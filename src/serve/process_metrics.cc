#include "serve/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "serve/kserve_infer.h"

namespace tessera::serve {
namespace {

// Fields 22 (starttime, in clock ticks since boot) and 23 (vsize, bytes) of /proc/self/stat; the
// command name (field 2) may hold spaces, so counting starts after its closing parenthesis.
bool read_stat(double& start_ticks, double& virtual_bytes) {
  std::ifstream file("/proc/self/stat");
  std::string line;
  if (!std::getline(file, line)) return false;
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  for (int index = 3; rest >> field; ++index) {
    if (index == 22) start_ticks = std::strtod(field.c_str(), nullptr);
    if (index == 23) {
      virtual_bytes = std::strtod(field.c_str(), nullptr);
      return true;
    }
  }
  return false;
}

double boot_time_seconds() {
  std::ifstream file("/proc/stat");
  std::string key;
  double value = 0;
  while (file >> key) {
    if (key == "btime") {
      file >> value;
      return value;
    }
    file.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

void register_process_metrics(Metrics& metrics) {
  metrics.declare("process_cpu_seconds_total", MetricType::kCounter,
                  "Total user and system CPU time spent in seconds.");
  metrics.declare("process_resident_memory_bytes", MetricType::kGauge,
                  "Resident memory size in bytes.");
  metrics.declare("process_virtual_memory_bytes", MetricType::kGauge,
                  "Virtual memory size in bytes.");
  metrics.declare("process_start_time_seconds", MetricType::kGauge,
                  "Start time of the process since unix epoch in seconds.");
  metrics.declare("process_open_fds", MetricType::kGauge, "Number of open file descriptors.");
  metrics.declare("process_max_fds", MetricType::kGauge,
                  "Maximum number of open file descriptors.");
  metrics.declare("tessera_build_info", MetricType::kGauge,
                  "The server's version (the value is always 1).");
  metrics.set("tessera_build_info", {{"version", kKServeServerVersion}}, 1);
  double start_ticks = 0, virtual_bytes = 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  if (read_stat(start_ticks, virtual_bytes) && ticks > 0) {
    if (const double boot = boot_time_seconds(); boot > 0) {
      metrics.set("process_start_time_seconds", {}, boot + start_ticks / ticks);
    }
  }
  // CPU time is the kernel's running total: add what it grew by since the last render.
  auto reported_cpu = std::make_shared<double>(0.0);
  metrics.on_render([reported_cpu](Metrics& m) {
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) == 0) {
      const double cpu =
          static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
          1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
      m.add("process_cpu_seconds_total", {}, cpu - *reported_cpu);
      *reported_cpu = cpu;
    }
    std::ifstream statm("/proc/self/statm");
    double pages_total = 0, pages_resident = 0;
    if (statm >> pages_total >> pages_resident) {
      m.set("process_resident_memory_bytes", {},
            pages_resident * static_cast<double>(sysconf(_SC_PAGESIZE)));
    }
    double unused_ticks = 0, virtual_bytes_now = 0;
    if (read_stat(unused_ticks, virtual_bytes_now)) {
      m.set("process_virtual_memory_bytes", {}, virtual_bytes_now);
    }
    std::error_code error;
    double fds = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
         it.increment(error)) {
      fds += 1;
    }
    if (!error && fds > 0) m.set("process_open_fds", {}, fds);
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
      m.set("process_max_fds", {}, static_cast<double>(limit.rlim_cur));
    }
  });
}

}  // namespace tessera::serve
