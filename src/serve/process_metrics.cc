#include "serve/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "serve/kserve_infer.h"

namespace tessera::serve {
namespace {

std::string number(double v) {
  char buffer[32];
  const std::to_chars_result end =
      std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::general);
  return std::string(buffer, end.ptr);
}

void family(std::string& out, const char* name, const char* type, const char* help, double value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + number(value) + "\n";
}

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

std::string render_process_metrics() {
  std::string out;
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
    family(out, "process_cpu_seconds_total", "counter",
           "Total user and system CPU time spent in seconds.", cpu);
  }
  std::ifstream statm("/proc/self/statm");
  double pages_total = 0, pages_resident = 0;
  if (statm >> pages_total >> pages_resident) {
    family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           pages_resident * static_cast<double>(sysconf(_SC_PAGESIZE)));
  }
  double start_ticks = 0, virtual_bytes = 0;
  if (read_stat(start_ticks, virtual_bytes)) {
    family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
           virtual_bytes);
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    if (const double boot = boot_time_seconds(); boot > 0 && ticks > 0) {
      family(out, "process_start_time_seconds", "gauge",
             "Start time of the process since unix epoch in seconds.", boot + start_ticks / ticks);
    }
  }
  std::error_code error;
  double fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
       it.increment(error)) {
    fds += 1;
  }
  if (!error && fds > 0)
    family(out, "process_open_fds", "gauge", "Number of open file descriptors.", fds);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
           static_cast<double>(limit.rlim_cur));
  }
  out += std::string("# HELP tessera_build_info The server's version (the value is always 1).\n") +
         "# TYPE tessera_build_info gauge\ntessera_build_info{version=\"" + kKServeServerVersion +
         "\"} 1\n";
  return out;
}

}  // namespace tessera::serve
