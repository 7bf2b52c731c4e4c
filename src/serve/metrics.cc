#include "serve/metrics.h"

#include <charconv>
#include <cmath>

namespace tessera::serve {
namespace {

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// The shortest text that reads back as the same double, in %g style ("0.0025", "1e-05",
// "5.36870912e+08"): what Prometheus' Go client prints (strconv 'g', -1), so a query for
// le="0.005" finds the bucket. (%.17g printed 0.0025000000000000001.)
std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buffer[32];
  const std::to_chars_result end =
      std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::general);
  return std::string(buffer, end.ptr);
}

// Adds one label to an already rendered set ("{a="x"}" + le -> "{a="x",le="0.1"}").
std::string with_label(const std::string& rendered, const std::string& name,
                       const std::string& value) {
  const std::string label = name + "=\"" + value + "\"";
  if (rendered.empty()) return "{" + label + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + label + "}";
}

std::string escape_help(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ",";
    out += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      if (c == '\\' || c == '"') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += "\"";
  }
  return out + "}";
}

std::vector<double> latency_buckets_seconds() {
  // 1 ms to 30 min: a long generation or a request queued behind many is still measured.
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
          2.5,   5,      10,    30,   60,    120,  300, 600,  1800};
}

std::vector<double> step_buckets_seconds() {
  // 0.1 ms to 60 s: one token apart on a fast device (a CPU's inter-token p50 was 0.64 ms).
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30,    60};
}

std::vector<double> size_buckets() { return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}; }

void Metrics::declare(const std::string& name, MetricType type, const std::string& help,
                      std::vector<double> buckets) {
  std::lock_guard<std::mutex> lock(mutex_);
  Family& family = families_[name];
  family.type = type;
  family.help = help;
  family.buckets = std::move(buckets);
}

Metrics::Series* Metrics::series(const std::string& name, const Labels& labels, MetricType type) {
  auto it = families_.find(name);
  if (it == families_.end() || it->second.type != type) return nullptr;
  Series& s = it->second.series[render_labels(labels)];
  if (type == MetricType::kHistogram && s.counts.empty()) {
    s.counts.assign(it->second.buckets.size(), 0);
  }
  return &s;
}

void Metrics::add(const std::string& name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (Series* s = series(name, labels, MetricType::kCounter)) s->value += value;
}

void Metrics::set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (Series* s = series(name, labels, MetricType::kGauge)) s->value = value;
}

void Metrics::observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> lock(mutex_);
  Series* s = series(name, labels, MetricType::kHistogram);
  if (s == nullptr) return;
  const std::vector<double>& bounds = families_[name].buckets;
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) {
      ++s->counts[i];
      break;
    }
  }
  ++s->count;
  s->sum += value;
}

void Metrics::on_render(std::function<void(Metrics&)> collector) {
  std::lock_guard<std::mutex> lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::render() {
  std::vector<std::function<void(Metrics&)>> collectors;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    collectors = collectors_;
  }
  for (const auto& collect : collectors) collect(*this);

  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + escape_help(family.help) + "\n";
    out += "# TYPE " + name + " " + type_name(family.type) + "\n";
    for (const auto& [labels, s] : family.series) {
      if (family.type != MetricType::kHistogram) {
        out += name + labels + " " + number(s.value) + "\n";
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < family.buckets.size(); ++i) {
        cumulative += s.counts[i];
        out += name + "_bucket" + with_label(labels, "le", number(family.buckets[i])) + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + with_label(labels, "le", "+Inf") + " " + std::to_string(s.count) +
             "\n";
      out += name + "_sum" + labels + " " + number(s.sum) + "\n";
      out += name + "_count" + labels + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace tessera::serve
