// Fleet files and calibration files: good ones parse, malformed ones name file, line and field.
#include <gtest/gtest.h>

#include "plan/calibrate.h"
#include "plan/catalog.h"
#include "plan/fleet.h"

namespace tessera::plan {
namespace {

std::string fleet_error(const std::string& yaml) {
  Result<Fleet> f = parse_fleet(yaml, "fleet.yaml", ".");
  return f.ok() ? std::string() : f.status().message();
}

const char* kDims = "{layers: 2, dim: 64, heads: 4, ffn: 128, vocab: 100, context: 512}";

TEST(PlanFleetTest, ExampleFleetParses) {
  Result<Fleet> f =
      load_fleet(std::string(TESSERA_TEST_SOURCE_DIR) + "/../examples/fleet/fleet.yaml");
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(f->models.size(), 10u);
  EXPECT_EQ(f->gpu, "L4");
  EXPECT_EQ(f->models[0].workload.sequences, 8);
  EXPECT_EQ(f->models[1].workload.sequences, 4);  // from defaults
  EXPECT_EQ(f->models[1].shape.layers, 32);       // from its config.json
  EXPECT_EQ(f->models[2].weights->name, "fp8");
  EXPECT_EQ(f->models[8].shape.kind, ModelKind::kEmbed);
  EXPECT_EQ(f->models[8].workload.context, 512);  // the default 4096 capped at the model's
}

TEST(PlanFleetTest, MalformedFleets) {
  EXPECT_NE(fleet_error("models: [").find("fleet.yaml:1:"), std::string::npos);
  EXPECT_NE(fleet_error("").find("empty fleet file"), std::string::npos);
  EXPECT_NE(fleet_error("gpu: L4\n").find("missing 'models'"), std::string::npos);
  EXPECT_NE(fleet_error("modles: []").find("fleet.yaml:1:1: fleet: unknown key 'modles'"),
            std::string::npos);
  const std::string m = "models:\n  - name: a\n    dims: " + std::string(kDims) + "\n";
  EXPECT_EQ(fleet_error(m), "");
  EXPECT_NE(fleet_error(m + "    context: many\n")
                .find("fleet.yaml:4:14: models[0] (a).context: expected a whole number, got "
                      "'many'"),
            std::string::npos)
      << fleet_error(m + "    context: many\n");
  EXPECT_NE(fleet_error(m + "    context: 1024\n").find("1024 is more than the model's 512"),
            std::string::npos);
  EXPECT_NE(fleet_error(m + "    sequences: 0\n").find("sequences: 0 is outside 1.."),
            std::string::npos);
  EXPECT_NE(fleet_error(m + "    weights: int3\n").find("weights: 'int3'"), std::string::npos);
  EXPECT_NE(fleet_error(m + "    kv: f4\n").find("kv: precision 'f4'"), std::string::npos);
  EXPECT_NE(fleet_error(m + "    gguf: x.gguf\n").find("exactly one of gguf, hf_config or dims"),
            std::string::npos);
  EXPECT_NE(fleet_error(m + "  - name: a\n    dims: " + kDims + "\n").find("'a' is used twice"),
            std::string::npos);
  EXPECT_NE(fleet_error("models:\n  - name: b\n    hf_config: missing.json\n")
                .find("fleet.yaml:3:16: models[0] (b).hf_config: missing.json: cannot open"),
            std::string::npos)
      << fleet_error("models:\n  - name: b\n    hf_config: missing.json\n");
  EXPECT_NE(fleet_error("models:\n  - name: c\n    dims: {layers: 2, dim: 60, heads: 8, ffn: 1, "
                        "vocab: 9}\n")
                .find("dim=60 is not a multiple of heads=8"),
            std::string::npos);
  EXPECT_NE(fleet_error("sharing: shared\nmodels: []").find("sharing: 'shared'"),
            std::string::npos);
  EXPECT_NE(fleet_error("models: {a: 1}").find("models: expected a non-empty list"),
            std::string::npos);
}

const char* kPerf =
    R"({"probe":"bandwidth","threads":2,"read_gb_s":20.0,"weight_bytes_per_token":100000000,"decode_limit_tok_s":200}
{"batch":1,"prefill_tok_s":500,"decode_tok_s":120,"prompt_tokens":128,"gen_tokens":32,"threads":2,"bandwidth_fraction":0.6}
{"batch":4,"prefill_tok_s":520,"decode_tok_s":400,"prompt_tokens":128,"gen_tokens":32,"threads":2}
)";

TEST(PlanCalibrateTest, DecodeEfficiencyFromThePerfRun) {
  Result<Calibration> probe = parse_calibration(kPerf, "perf.json", nullptr);
  ASSERT_TRUE(probe.ok()) << probe.status().to_string();
  EXPECT_NEAR(probe->decode_efficiency, 0.6, 1e-9);  // 120 tok/s × 100 MB / 20 GB/s
  GpuSpec l4;
  l4.name = "L4";
  l4.bandwidth_gb_s = 300;
  Result<Calibration> on_l4 = parse_calibration(kPerf, "perf.json", &l4);
  ASSERT_TRUE(on_l4.ok());
  EXPECT_NEAR(on_l4->decode_efficiency, 0.04, 1e-9);
}

TEST(PlanCalibrateTest, MalformedPerfFiles) {
  const auto error = [](const std::string& text) {
    Result<Calibration> c = parse_calibration(text, "perf.json", nullptr);
    return c.ok() ? std::string() : c.status().message();
  };
  EXPECT_NE(error("{\"batch\": 1,").find("perf.json:1: not a JSON object per line"),
            std::string::npos);
  const std::string rows = std::string(kPerf);
  const std::string no_probe = rows.substr(rows.find('\n') + 1);
  EXPECT_NE(error(no_probe).find("no bandwidth probe line"), std::string::npos);
  EXPECT_NE(error(rows.substr(0, rows.find('\n') + 1)).find("no row with batch 1"),
            std::string::npos);
  EXPECT_NE(error("{\"batch\":1,\"decode_tok_s\":\"fast\"}")
                .find("perf.json:1: 'decode_tok_s': expected a positive number"),
            std::string::npos);
  EXPECT_NE(error("\n{\"x\":1}").find("perf.json:2: neither a probe line nor a batch row"),
            std::string::npos);
  EXPECT_NE(error("[1]").find("perf.json:1: expected a JSON object"), std::string::npos);
  EXPECT_NE(error("{\"probe\":\"bandwidth\",\"read_gb_s\":1,\"weight_bytes_per_token\":1e9}\n"
                  "{\"batch\":1,\"decode_tok_s\":5}")
                .find("more than the"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera::plan
