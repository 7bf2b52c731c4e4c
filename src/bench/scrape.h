// Reads a server's Prometheus /metrics (text format) before and after each load level, to measure
// device utilisation during the level: the increase of a busy-seconds counter divided by the
// level's wall time. With Tessera that counter is tessera_slice_compute_seconds_total (one series
// per slice, summed: the slices of one device take turns on it); any server exporting a
// busy-seconds counter can be measured by naming it with --util-metric.
#pragma once

#include <map>
#include <string>

#include "base/status.h"
#include "bench/url.h"

namespace tessera::bench {

// Series name with its label set as written ("name{a=\"x\"}") -> value. Comments are skipped.
using MetricSamples = std::map<std::string, double>;

MetricSamples parse_prometheus_text(const std::string& text);

// Sum of every series of `family` (exact name, any labels) whose label set contains `label_filter`
// (e.g. model="chat"; empty: all).
double sum_family(const MetricSamples& samples, const std::string& family,
                  const std::string& label_filter = "");

// GET url (a /metrics address); errors when unreachable or not 200.
Result<std::string> http_get(const Url& url, double timeout_s);

Result<MetricSamples> scrape(const Url& url, double timeout_s = 5);

}  // namespace tessera::bench
