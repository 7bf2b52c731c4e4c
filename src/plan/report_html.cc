// One HTML file, no scripts, no external resources: inline CSS and SVG charts, so it opens
// offline and prints as it shows.
#include <algorithm>
#include <map>

#include "base/byte_size.h"
#include "base/html.h"
#include "plan/format.h"
#include "plan/report.h"

namespace tessera::plan {
namespace {

constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr const char* kPartColors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#bab0ac"};

std::string e(const std::string& s) { return html_escape(s); }
std::string num(double v) { return fixed(v, 1); }
std::string gib(uint64_t b) { return format_bytes(b); }

std::string rect(double x, double y, double w, double h, const std::string& fill,
                 const std::string& title, const std::string& extra = "") {
  return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(w, 0.0)) +
         "\" height=\"" + num(std::max(h, 0.0)) + "\" fill=\"" + fill + "\" " + extra + "><title>" +
         e(title) + "</title></rect>";
}

std::string text(double x, double y, const std::string& s, const std::string& extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" " + extra + ">" + e(s) + "</text>";
}

std::string svg(double w, double h, const std::string& body, const std::string& label) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"" + e(label) +
         "\" width=\"" + num(w) + "\" height=\"" + num(h) + "\" viewBox=\"0 0 " + num(w) + " " +
         num(h) + "\">" + body + "</svg>\n";
}

// Each GPU a column as tall as its memory; each slice a block as tall as its frame buffer, the
// darker part what its footprint uses.
std::string placement_chart(const GpuPlan& p, const std::map<std::string, std::string>& colors) {
  const Placement& pl = p.placement;
  if (pl.gpus.empty()) return "<p>No GPU placed.</p>";
  constexpr double kColW = 120, kGap = 16, kH = 300, kTop = 34;
  const double width = kGap + static_cast<double>(pl.gpus.size()) * (kColW + kGap);
  const double scale = kH / static_cast<double>(p.gpu->memory_bytes);
  std::string b;
  for (size_t i = 0; i < pl.gpus.size(); ++i) {
    const PlacedGpu& g = pl.gpus[i];
    const double x = kGap + static_cast<double>(i) * (kColW + kGap);
    b += text(x, 14, "host " + std::to_string(g.host + 1) + " GPU " + std::to_string(g.index),
              "font-size=\"12\"");
    b += text(x, 28, gpu_mode_name(g.mode), "font-size=\"11\" fill=\"#555\"");
    b += rect(x, kTop, kColW, kH, "#f4f4f4", p.gpu->name + " " + gib(p.gpu->memory_bytes),
              "stroke=\"#888\"");
    double y = kTop + kH;
    for (const PlacedSlice& s : g.slices) {
      const double h = static_cast<double>(s.slot_bytes) * scale;
      const double used = static_cast<double>(std::min(s.used_bytes, s.slot_bytes)) * scale;
      y -= h;
      const std::string& c = colors.at(s.model);
      const std::string title = s.name + ": " + slot_label(s) + ", " + gib(s.slot_bytes) +
                                " frame buffer, footprint " + gib(s.used_bytes);
      b += rect(x + 2, y + 1, kColW - 4, h - 2, c, title, "fill-opacity=\"0.35\"");
      b += rect(x + 2, y + h - 1 - used, kColW - 4, std::max(used - 1, 0.0), c, title);
      if (h > 14) b += text(x + 6, y + 13, s.name, "font-size=\"11\"");
      if (h > 28) b += text(x + 6, y + 26, slot_label(s), "font-size=\"10\"");
    }
  }
  return svg(width, kTop + kH + 8, b, "placement of slices on GPUs");
}

// Per model a bar of weights, KV cache, activations and overhead, with its usable frame buffer.
std::string memory_chart(const GpuPlan& p) {
  constexpr double kLabelW = 170, kBarW = 520, kRowH = 26;
  uint64_t max_bytes = 1;
  for (const Sizing& s : p.sizings) {
    if (s.fits) max_bytes = std::max({max_bytes, s.footprint.total_bytes(), s.slot_bytes});
  }
  const double scale = kBarW / static_cast<double>(max_bytes);
  std::string b;
  double y = 4;
  for (const Sizing& s : p.sizings) {
    b += text(0, y + 16, s.model, "font-size=\"12\"");
    if (!s.fits) {
      b += text(kLabelW, y + 16, "does not fit " + p.gpu->name, "font-size=\"12\" fill=\"#c00\"");
      y += kRowH;
      continue;
    }
    const Footprint& f = s.footprint;
    const uint64_t parts[] = {f.weights_bytes, f.kv_cache_bytes, f.activation_bytes,
                              f.overhead_bytes};
    const char* names[] = {"weights", "KV cache", "activations", "overhead"};
    double x = kLabelW;
    for (int i = 0; i < 4; ++i) {
      const double w = static_cast<double>(parts[i]) * scale;
      b += rect(x, y + 4, w, kRowH - 8, kPartColors[i],
                s.model + " " + names[i] + ": " + gib(parts[i]));
      x += w;
    }
    const double slot_x = kLabelW + static_cast<double>(s.usable_bytes) * scale;
    b += "<line x1=\"" + num(slot_x) + "\" y1=\"" + num(y + 1) + "\" x2=\"" + num(slot_x) +
         "\" y2=\"" + num(y + kRowH - 1) + "\" stroke=\"#000\" stroke-width=\"2\"><title>" +
         e("usable " + gib(s.usable_bytes) + " of " +
           (s.profile ? s.profile->name : std::string("the GPU"))) +
         "</title></line>";
    y += kRowH;
  }
  double lx = kLabelW;
  const char* legend[] = {"weights", "KV cache", "activations", "overhead"};
  for (int i = 0; i < 4; ++i) {
    b += rect(lx, y + 6, 12, 12, kPartColors[i], legend[i]);
    b += text(lx + 16, y + 16, legend[i], "font-size=\"11\"");
    lx += 100;
  }
  b += text(lx, y + 16, "| usable frame buffer", "font-size=\"11\"");
  return svg(kLabelW + kBarW + 20, y + 24, b, "memory breakdown per model");
}

// Horizontal bars, one per GPU type, of `value(plan)`, with parts when given.
std::string tco_chart(const Plan& plan) {
  constexpr double kLabelW = 110, kBarW = 520, kRowH = 28;
  double max_total = 1;
  for (const GpuPlan& p : plan.gpus) max_total = std::max(max_total, p.tco.total_usd());
  const double scale = kBarW / max_total;
  const char* names[] = {"GPUs", "hosts", "power", "licence", "operations"};
  const char* colors[] = {"#4e79a7", "#76b7b2", "#f28e2b", "#e15759", "#bab0ac"};
  std::string b;
  double y = 4;
  for (const GpuPlan& p : plan.gpus) {
    const Tco& t = p.tco;
    const double parts[] = {t.gpu_usd, t.host_usd, t.power_usd, t.licence_usd, t.operations_usd};
    b += text(0, y + 18, p.gpu->name, "font-size=\"12\"");
    double x = kLabelW;
    for (int i = 0; i < 5; ++i) {
      b += rect(x, y + 4, parts[i] * scale, kRowH - 8, colors[i],
                p.gpu->name + " " + names[i] + ": " + usd(parts[i]));
      x += parts[i] * scale;
    }
    b += text(x + 6, y + 18, usd(t.total_usd()), "font-size=\"11\"");
    y += kRowH;
  }
  double lx = kLabelW;
  for (int i = 0; i < 5; ++i) {
    b += rect(lx, y + 6, 12, 12, colors[i], names[i]);
    b += text(lx + 16, y + 16, names[i], "font-size=\"11\"");
    lx += 95;
  }
  return svg(kLabelW + kBarW + 110, y + 24, b, "TCO comparison");
}

std::string efficiency_chart(const Plan& plan) {
  constexpr double kLabelW = 110, kBarW = 420, kRowH = 26;
  double max_v = 1e-9;
  std::vector<double> values;
  for (const GpuPlan& p : plan.gpus) {
    const double v = p.tco.average_power_w > 0 ? p.tco.tokens_per_s / p.tco.average_power_w : 0;
    values.push_back(v);
    max_v = std::max(max_v, v);
  }
  std::string b;
  double y = 4;
  for (size_t i = 0; i < plan.gpus.size(); ++i) {
    b += text(0, y + 17, plan.gpus[i].gpu->name, "font-size=\"12\"");
    b += rect(kLabelW, y + 4, values[i] / max_v * kBarW, kRowH - 8, "#59a14f",
              fixed(values[i], 3) + " tokens per joule");
    b += text(kLabelW + values[i] / max_v * kBarW + 6, y + 17, fixed(values[i], 3) + " tok/J",
              "font-size=\"11\"");
    y += kRowH;
  }
  return svg(kLabelW + kBarW + 100, y + 4, b, "tokens per joule");
}

}  // namespace

std::string render_html(const Plan& plan) {
  const GpuPlan& main = plan.gpus.front();
  std::map<std::string, std::string> colors;
  for (size_t i = 0; i < plan.models.size(); ++i) {
    colors[plan.models[i].name] = kPalette[i % std::size(kPalette)];
  }
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Tessera plan: " +
      e(main.gpu->name) +
      "</title><style>"
      "body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}"
      "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;"
      "text-align:right}td:first-child,th:first-child{text-align:left}"
      "pre{background:#f7f7f7;padding:8px;overflow-x:auto;font-size:12px}"
      "svg{display:block;margin:8px 0}h2{margin-top:28px}.fail{color:#c00}</style></head><body>\n";
  h += "<h1>Tessera plan for " + e(main.gpu->name) +
       "</h1>\n<p>Sharing: " + e(sharing_name(plan.options.sharing)) +
       (plan.options.mig ? ", MIG-backed profiles" : "") + ". Catalog: " + e(plan.catalog->origin) +
       ". Decode bandwidth efficiency " + fixed(plan.perf.decode_efficiency, 2) +
       ", prefill compute efficiency " + fixed(plan.perf.prefill_efficiency, 2) + " (" +
       e(plan.perf.source) + ").</p>\n";
  h += "<h2>Models</h2>\n<table><tr><th>model</th><th>weights</th><th>KV</th><th>TP</th>"
       "<th>slice</th><th>footprint</th><th>instances</th><th>decode tok/s</th>"
       "<th>latency ms</th><th>tok/J</th></tr>\n";
  for (const Sizing& s : main.sizings) {
    if (!s.fits) {
      h += "<tr><td>" + e(s.model) + "</td><td class=\"fail\" colspan=\"9\">does not fit " +
           e(main.gpu->name) + (s.step_up.empty() ? "" : "; step up: " + e(s.step_up)) +
           "</td></tr>\n";
      continue;
    }
    h += "<tr><td>" + e(s.model) + "</td><td>" + e(s.footprint.weights_format) + "</td><td>" +
         e(s.kv.name) + "</td><td>" + std::to_string(s.tensor_parallel) + "</td><td>" +
         e(s.profile ? s.profile->name : std::string("whole GPU")) + "</td><td>" +
         e(gib(s.footprint.total_bytes())) + "</td><td>" + std::to_string(s.replicas) +
         "</td><td>" +
         (s.perf.decode_tok_s > 0 ? fixed(s.perf.decode_tok_s, 0) : std::string("-")) +
         "</td><td>" + fixed(s.perf.latency_ms, 0) + "</td><td>" +
         fixed(s.perf.tokens_per_watt, 2) + "</td></tr>\n";
  }
  h += "</table>\n<h2>Placement on " + e(main.gpu->name) + "</h2>\n";
  h += "<p>" + std::to_string(main.placement.gpus.size()) + " GPUs in " +
       std::to_string(main.placement.hosts) + " hosts; profile sharing in " +
       gpu_mode_name(main.placement.mode) +
       " mode. Pale: the slice's frame buffer; solid: its footprint.</p>\n";
  h += "<div style=\"overflow-x:auto\">" + placement_chart(main, colors) + "</div>\n";
  h += "<h2>Memory breakdown</h2>\n" + memory_chart(main);
  h += "<h2>TCO over " + fixed(main.tco.years, 0) + " years</h2>\n" + tco_chart(plan);
  h += "<table><tr><th>GPU</th><th>GPUs</th><th>hosts</th><th>TCO</th><th>$ per M tokens</th>"
       "<th>not placed</th></tr>\n";
  for (const GpuPlan& p : plan.gpus) {
    std::string unplaced;
    for (const std::string& m : p.placement.unplaced)
      unplaced += (unplaced.empty() ? "" : ", ") + m;
    h += "<tr><td>" + e(p.gpu->name) + "</td><td>" + std::to_string(p.tco.gpus) + "</td><td>" +
         std::to_string(p.tco.hosts) + "</td><td>" + usd(p.tco.total_usd()) + "</td><td>" +
         fixed(p.tco.usd_per_million_tokens(), 3) + "</td><td>" + e(unplaced) + "</td></tr>\n";
  }
  h += "</table>\n<h2>Tokens per joule (at the wall)</h2>\n" + efficiency_chart(plan);
  h += "<h2>Decision flow</h2>\n<pre>";
  for (const Sizing& s : main.sizings) {
    for (const std::string& line : s.trace) h += e(line) + "\n";
    h += "\n";
  }
  h += "</pre>\n<h2>Sources</h2>\n<ul>";
  for (const auto& [name, source] : plan.catalog->sources) {
    h += "<li><b>" + e(name) + "</b>: " + e(source) + "</li>";
  }
  h += "</ul>\n</body></html>\n";
  return h;
}

}  // namespace tessera::plan
