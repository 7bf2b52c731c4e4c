#include "bench/html_report.h"

#include <algorithm>
#include <cstdio>

#include "base/html.h"

namespace tessera::bench {
namespace {

constexpr double kWidth = 560, kHeight = 300, kMargin = 50;
constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                   "#9467bd", "#8c564b", "#e377c2", "#17becf"};
constexpr size_t kColorCount = sizeof(kColors) / sizeof(kColors[0]);

std::string fmt(const char* format, double a, double b) {
  char text[64];
  std::snprintf(text, sizeof text, format, a, b);
  return text;
}

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;
};

// A line chart with linear axes from 0 to the largest value.
std::string chart(const std::string& title, const std::string& x_label, const std::string& y_label,
                  const std::vector<Series>& series) {
  double x_max = 0, y_max = 0;
  for (const Series& s : series) {
    for (const auto& [x, y] : s.points) {
      x_max = std::max(x_max, x);
      y_max = std::max(y_max, y);
    }
  }
  if (x_max <= 0) x_max = 1;
  if (y_max <= 0) y_max = 1;
  const double plot_w = kWidth - 2 * kMargin, plot_h = kHeight - 2 * kMargin;
  auto px = [&](double x) { return kMargin + x / x_max * plot_w; };
  auto py = [&](double y) { return kHeight - kMargin - y / y_max * plot_h; };
  std::string svg = "<figure><figcaption>" + html_escape(title) + "</figcaption>";
  svg += "<svg xmlns='http://www.w3.org/2000/svg' width='" + std::to_string(int(kWidth)) +
         "' height='" + std::to_string(int(kHeight)) + "'>";
  svg += "<rect x='" + fmt("%.0f", kMargin, 0) + "' y='" + fmt("%.0f", kMargin, 0) + "' width='" +
         fmt("%.0f", plot_w, 0) + "' height='" + fmt("%.0f", plot_h, 0) +
         "' fill='none' stroke='#999'/>";
  for (int tick = 0; tick <= 4; ++tick) {
    const double xv = x_max * tick / 4, yv = y_max * tick / 4;
    svg += "<text x='" + fmt("%.1f", px(xv), 0) + "' y='" + fmt("%.1f", kHeight - kMargin + 15, 0) +
           "' font-size='10' text-anchor='middle'>" + fmt("%.3g", xv, 0) + "</text>";
    svg += "<text x='" + fmt("%.1f", kMargin - 4, 0) + "' y='" + fmt("%.1f", py(yv) + 3, 0) +
           "' font-size='10' text-anchor='end'>" + fmt("%.3g", yv, 0) + "</text>";
  }
  svg += "<text x='" + fmt("%.1f", kWidth / 2, 0) + "' y='" + fmt("%.1f", kHeight - 10, 0) +
         "' font-size='11' text-anchor='middle'>" + html_escape(x_label) + "</text>";
  svg += "<text x='12' y='" + fmt("%.1f", kMargin - 10, 0) + "' font-size='11'>" +
         html_escape(y_label) + "</text>";
  for (size_t i = 0; i < series.size(); ++i) {
    const char* color = kColors[i % kColorCount];
    std::string points;
    for (const auto& [x, y] : series[i].points) points += fmt("%.1f,%.1f ", px(x), py(y));
    svg += "<polyline fill='none' stroke-width='2' stroke='" + std::string(color) + "' points='" +
           points + "'/>";
    svg += "<text x='" + fmt("%.1f", kWidth - kMargin + 4, 0) + "' y='" +
           fmt("%.1f", kMargin + 12.0 * static_cast<double>(i), 0) + "' font-size='10' fill='" +
           color + "'>" + html_escape(series[i].name) + "</text>";
  }
  return svg + "</svg></figure>\n";
}

}  // namespace

std::string format_html(const std::vector<LevelReport>& levels, const std::string& title) {
  std::string html =
      "<!doctype html><html><head><meta charset='utf-8'><title>" + html_escape(title) +
      "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}figure{display:inline-block}"
      ".alarm{color:#b00;font-weight:bold}</style></head><body><h1>" +
      html_escape(title) + "</h1>\n<p>Latencies in ms, percentiles by nearest rank.</p>\n";
  html +=
      "<table><tr><th>level</th><th>sent</th><th>ok</th><th>req/s</th><th>out tok/s</th>"
      "<th>p50</th><th>p90</th><th>p99</th><th>max</th><th>TTFT p50</th><th>goodput</th>"
      "<th>util</th></tr>\n";
  for (const LevelReport& r : levels) {
    html += "<tr><td>" + html_escape(r.label) + "</td><td>" + std::to_string(r.sent) + "</td><td>" +
            std::to_string(r.ok) + "</td><td>" + fmt("%.2f", r.throughput_rps, 0) + "</td><td>" +
            fmt("%.1f", r.output_tokens_per_s, 0) + "</td><td>" + fmt("%.1f", r.latency_ms.p50, 0) +
            "</td><td>" + fmt("%.1f", r.latency_ms.p90, 0) + "</td><td>" +
            fmt("%.1f", r.latency_ms.p99, 0) + "</td><td>" + fmt("%.1f", r.latency_ms.max, 0) +
            "</td><td>" + fmt("%.1f", r.ttft_ms.p50, 0) + "</td><td>" +
            fmt("%.0f%%", r.goodput_fraction * 100, 0) + "</td><td>" +
            (r.utilisation ? fmt("%.0f%%", *r.utilisation * 100, 0) : "-") + "</td></tr>\n";
  }
  html += "</table>\n";
  for (const LevelReport& r : levels) {
    if (r.alarm)
      html += "<p class='alarm'>ALARM " + html_escape(r.label + ": " + *r.alarm) + "</p>\n";
  }
  const bool open = !levels.empty() && levels.front().open_loop;
  Series p50{"p50", {}}, p90{"p90", {}}, p99{"p99", {}};
  for (const LevelReport& r : levels) {
    p50.points.emplace_back(r.load, r.latency_ms.p50);
    p90.points.emplace_back(r.load, r.latency_ms.p90);
    p99.points.emplace_back(r.load, r.latency_ms.p99);
  }
  html += chart("Latency vs load", open ? "offered rate (req/s)" : "concurrency", "latency ms",
                {p50, p90, p99});
  std::vector<Series> cdfs;
  for (const LevelReport& r : levels) {
    Series s{r.label, {}};
    const auto n = static_cast<double>(r.latencies_ms.size());
    // At most ~200 points per curve keeps the file small.
    const size_t step = std::max<size_t>(1, r.latencies_ms.size() / 200);
    for (size_t i = 0; i < r.latencies_ms.size(); i += step) {
      s.points.emplace_back(r.latencies_ms[i], static_cast<double>(i + 1) / n);
    }
    if (!r.latencies_ms.empty()) s.points.emplace_back(r.latencies_ms.back(), 1.0);
    cdfs.push_back(std::move(s));
  }
  html += chart("Latency CDF per level", "latency ms", "fraction of requests", cdfs);
  return html + "</body></html>\n";
}

}  // namespace tessera::bench
