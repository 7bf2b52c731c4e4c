// The process' own gauges and counters, read from /proc when the metrics port is scraped, with the
// names Prometheus' client libraries give them (process_resident_memory_bytes,
// process_cpu_seconds_total, process_open_fds, ...), and tessera_build_info. Dashboards and alerts
// written for any Prometheus-instrumented server work unchanged.
#pragma once

#include "serve/metrics.h"

namespace tessera::serve {

// Declares the process families and tessera_build_info on `metrics`. The constant ones (start time,
// build info) are set here; the others are read at each render (Metrics::on_render), and any /proc
// reads that fail leave their family without a sample.
void register_process_metrics(Metrics& metrics);

}  // namespace tessera::serve
