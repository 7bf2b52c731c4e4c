// `tessera plan` end to end: the example fleet (and its timing), JSON, HTML, exit codes, errors.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testing/command.h"

namespace tessera {
namespace {

using testing::run_tessera;
using testing::TempDir;

const std::string kFleet = std::string(TESSERA_TEST_SOURCE_DIR) + "/../examples/fleet/fleet.yaml";
const std::string kLlama8b =
    "--dims layers=32,dim=4096,heads=32,kv_heads=8,ffn=14336,vocab=128256,context=131072";

TEST(PlanCliTest, ExampleFleetPlansAndComparesThreeGpus) {
  TempDir dir;
  const auto r = run_tessera(dir, "plan --fleet " + kFleet);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("== Decision flow =="), std::string::npos);
  EXPECT_NE(r.out.find("== Placement on L4"), std::string::npos);
  EXPECT_NE(r.out.find("== TCO over 3 years on L4 =="), std::string::npos);
  EXPECT_NE(r.out.find("== Comparison for the same fleet =="), std::string::npos);
  for (const char* gpu : {"\nL4 ", "\nL40S ", "\nH100-PCIe "}) {
    EXPECT_NE(r.out.find(gpu), std::string::npos) << gpu;
  }
  EXPECT_NE(r.out.find("planned 10 models on 3 GPU types in"), std::string::npos);
}

TEST(PlanCliTest, JsonHasThePlansAndTheTrace) {
  TempDir dir;
  const auto r = run_tessera(dir, "plan " + kLlama8b + " --context 8192 --sequences 8 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  const auto& l4 = j["plans"][0];
  EXPECT_EQ(l4["gpu"], "L4");
  EXPECT_EQ(l4["sizings"][0]["weights"], "fp8");
  EXPECT_EQ(l4["sizings"][0]["footprint"]["kv_bytes_per_token"], 131072);
  EXPECT_GT(l4["tco"]["total_usd"].get<double>(), 0);
  EXPECT_EQ(j["plans"].size(), 3u);
}

TEST(PlanCliTest, HtmlIsSelfContained) {
  TempDir dir;
  const auto r = run_tessera(dir, "plan --fleet " + kFleet + " --html " + dir.file("p.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(dir.file("p.html"));
  std::stringstream html;
  html << in.rdbuf();
  const std::string h = html.str();
  EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  size_t svgs = 0;
  for (size_t at = h.find("<svg"); at != std::string::npos; at = h.find("<svg", at + 1)) ++svgs;
  EXPECT_EQ(svgs, 4u);  // placement, memory, TCO, tokens per joule
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(h.find("src="), std::string::npos);
  EXPECT_EQ(h.find("href="), std::string::npos);
  EXPECT_NE(h.find("</html>"), std::string::npos);
}

TEST(PlanCliTest, EmitConfigWritesDeviceAndModelFiles) {
  TempDir dir;
  const auto r = run_tessera(dir, "plan --fleet " + kFleet + " --emit-config " + dir.file("out"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The 8B chat model's first instance is the third GPU of host 1 (after the 70B's TP pair).
  std::ifstream model(dir.file("out/host1-gpu2/models/chat-llama-8b/model.yaml"));
  std::stringstream text;
  text << model.rdbuf();
  for (const char* key : {"kind: generate", "file: ", "slice: \"chat-llama-8b-1\"", "weights fp8",
                          "context: 8192", "max_sequences: 8"}) {
    EXPECT_NE(text.str().find(key), std::string::npos) << key << "\n" << text.str();
  }
  // The runtime's own checker accepts what was emitted.
  const auto check = run_tessera(dir, "slices check " + dir.file("out/host1-gpu2/slices.yaml"));
  EXPECT_EQ(check.exit_code, 0) << check.err;
}

TEST(PlanCliTest, BadInputs) {
  TempDir dir;
  auto r = run_tessera(dir, "plan " + kLlama8b + " --gpu T4");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown GPU 'T4' (known: L4, L40S, A10, A100-PCIe"), std::string::npos)
      << r.err;
  r = run_tessera(dir, "plan --dims layers=32,dim=4096,heads=32,kv_heads=6,ffn=1,vocab=9");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("kv_heads=6 does not divide heads=32"), std::string::npos) << r.err;
  r = run_tessera(dir, "plan");
  EXPECT_EQ(r.exit_code, 2);
  r = run_tessera(dir, "plan " + kLlama8b + " --set pue=0.2");
  EXPECT_EQ(r.exit_code, 2);
  const std::string bad =
      testing::write_file(dir, "bad.yaml", "models:\n  - name: x\n    dims: 3\n");
  r = run_tessera(dir, "plan --fleet " + bad);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.yaml:3:11"), std::string::npos) << r.err;
}

TEST(PlanCliTest, ModelThatFitsNowhereExitsOne) {
  TempDir dir;
  const auto r = run_tessera(dir, "plan " + kLlama8b +
                                      " --weights f16 --context 131072 "
                                      "--sequences 64 --compare none");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("does not fit L4 at any precision"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tessera
