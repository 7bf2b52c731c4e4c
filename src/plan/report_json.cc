#include <nlohmann/json.hpp>

#include "plan/report.h"

namespace tessera::plan {
namespace {

using Json = nlohmann::ordered_json;

Json footprint_json(const Footprint& f) {
  return {{"weights_bytes", f.weights_bytes},
          {"kv_cache_bytes", f.kv_cache_bytes},
          {"activation_bytes", f.activation_bytes},
          {"overhead_bytes", f.overhead_bytes},
          {"total_bytes", f.total_bytes()},
          {"kv_bytes_per_token", f.kv_bytes_per_token},
          {"weights_format", f.weights_format},
          {"kv_format", f.kv_format},
          {"context", f.context},
          {"sequences", f.sequences}};
}

Json sizing_json(const Sizing& s) {
  Json j = {{"model", s.model}, {"fits", s.fits}, {"trace", s.trace}};
  if (!s.step_up.empty()) j["step_up"] = s.step_up;
  if (!s.fits) return j;
  j["weights"] = s.footprint.weights_format;
  j["kv"] = s.kv.name;
  j["tensor_parallel"] = s.tensor_parallel;
  j["profile"] = s.profile ? Json(s.profile->name) : Json(nullptr);
  j["slot_bytes"] = s.slot_bytes;
  j["usable_bytes"] = s.usable_bytes;
  j["footprint"] = footprint_json(s.footprint);
  const Estimate& e = s.perf;
  j["estimate"] = {{"share", e.share},
                   {"decode_tok_s", e.decode_tok_s},
                   {"prefill_tok_s", e.prefill_tok_s},
                   {"step_ms", e.step_ms},
                   {"ttft_ms", e.ttft_ms},
                   {"latency_ms", e.latency_ms},
                   {"requests_per_s", e.requests_per_s},
                   {"tokens_per_joule", e.tokens_per_watt},
                   {"decode_bound", e.decode_bound}};
  j["demand_requests_per_s"] = s.demand_rps;
  j["replicas"] = s.replicas;
  return j;
}

Json placement_json(const Placement& p) {
  Json gpus = Json::array();
  for (const PlacedGpu& g : p.gpus) {
    Json slices = Json::array();
    for (const PlacedSlice& s : g.slices) {
      slices.push_back({{"name", s.name},
                        {"model", s.model},
                        {"profile", s.profile ? Json(s.profile->name) : Json(nullptr)},
                        {"slot_bytes", s.slot_bytes},
                        {"used_bytes", s.used_bytes},
                        {"tp_rank", s.tp_rank}});
    }
    gpus.push_back({{"host", g.host},
                    {"index", g.index},
                    {"mode", gpu_mode_name(g.mode)},
                    {"allocated_bytes", g.allocated_bytes()},
                    {"used_bytes", g.used_bytes()},
                    {"slices", slices}});
  }
  return {{"mode", gpu_mode_name(p.mode)},
          {"gpus_count", p.gpus.size()},
          {"hosts", p.hosts},
          {"memory_bytes", p.memory_bytes()},
          {"allocated_bytes", p.allocated_bytes()},
          {"used_bytes", p.used_bytes()},
          {"unplaced", p.unplaced},
          {"gpus", gpus}};
}

Json tco_json(const Tco& t) {
  return {{"years", t.years},
          {"gpus", t.gpus},
          {"hosts", t.hosts},
          {"host_share", t.host_share},
          {"licensed_gpus", t.licensed_gpus},
          {"priced", t.priced},
          {"gpu_usd", t.gpu_usd},
          {"host_usd", t.host_usd},
          {"power_usd", t.power_usd},
          {"licence_usd", t.licence_usd},
          {"operations_usd", t.operations_usd},
          {"total_usd", t.total_usd()},
          {"average_power_w", t.average_power_w},
          {"tokens_per_s", t.tokens_per_s},
          {"usd_per_million_tokens", t.usd_per_million_tokens()}};
}

}  // namespace

std::string render_json(const Plan& plan) {
  Json factors = Json::object();
  for (const auto& [key, f] : plan.catalog->factors) {
    factors[key] = {{"value", f.value}, {"source", f.source}};
  }
  Json models = Json::array();
  for (const ModelRequest& m : plan.models) {
    models.push_back({{"name", m.name},
                      {"kind", model_kind_name(m.shape.kind)},
                      {"params", m.shape.params()},
                      {"layers", m.shape.layers},
                      {"context", m.context()},
                      {"sequences", m.workload.sequences},
                      {"kv", m.kv.name}});
  }
  Json plans = Json::array();
  for (const GpuPlan& p : plan.gpus) {
    Json sizings = Json::array();
    for (const Sizing& s : p.sizings) sizings.push_back(sizing_json(s));
    plans.push_back({{"gpu", p.gpu->name},
                     {"sizings", sizings},
                     {"placement", placement_json(p.placement)},
                     {"tco", tco_json(p.tco)}});
  }
  const Json out = {{"catalog", plan.catalog->origin},
                    {"sharing", sharing_name(plan.options.sharing)},
                    {"mig", plan.options.mig},
                    {"decode_efficiency", plan.perf.decode_efficiency},
                    {"prefill_efficiency", plan.perf.prefill_efficiency},
                    {"calibration", plan.calibration},
                    {"factors", factors},
                    {"models", models},
                    {"plans", plans}};
  return out.dump(2) + "\n";
}

}  // namespace tessera::plan
