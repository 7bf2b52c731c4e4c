// The process' own gauges and counters, read from /proc when the metrics port is scraped, with the
// names Prometheus' client libraries give them (process_resident_memory_bytes,
// process_cpu_seconds_total, process_open_fds, ...), and tessera_build_info. Dashboards and alerts
// written for any Prometheus-instrumented server work unchanged.
#pragma once

#include <string>

namespace tessera::serve {

// Exposition text for the process metrics (empty where /proc is not available) and build info.
std::string render_process_metrics();

}  // namespace tessera::serve
