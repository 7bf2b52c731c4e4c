// `tessera slices check` and `tessera slices experiment` through the real binary: the examples
// validate, bad configs are usage errors naming file and line, models are admitted or refused with
// the footprint's explanation, and the experiment reports every policy and slice.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "testing/command.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::CommandResult;
using testing::lines_of;
using testing::run_tessera;
using testing::TempDir;
using testing::write_file;

const std::string kExamples = std::string(TESSERA_TEST_SOURCE_DIR) + "/../examples/slices";

// Two time-sliced slices on two cores, 20% and 80%, room for the experiment's decoders.
const char* kTwoSlices = R"(device:
  name: cpu
  memory: 1GiB
  cores: 2
slices:
  - name: light
    memory: 256MiB
    share: 20%
  - name: heavy
    memory: 256MiB
    share: 80%
)";

TEST(SlicesCli, HelpExitsZero) {
  TempDir dir;
  for (const char* args : {"slices --help", "slices check --help", "slices experiment --help"}) {
    CommandResult r = run_tessera(dir, args);
    EXPECT_EQ(r.exit_code, 0) << args << r.err;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << args;
  }
  CommandResult r = run_tessera(dir, "slices");
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(SlicesCli, EveryExampleConfigChecks) {
  TempDir dir;
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
    if (entry.path().extension() != ".yaml") continue;
    CommandResult r = run_tessera(dir, "slices check " + entry.path().string());
    EXPECT_EQ(r.exit_code, 0) << entry.path() << "\n" << r.err;
    EXPECT_NE(r.out.find("total"), std::string::npos) << r.out;
    ++checked;
  }
  EXPECT_GE(checked, 5);
  CommandResult r = run_tessera(dir, "slices check " + kExamples + "/l4-profiles.yaml");
  EXPECT_NE(r.out.find("device cuda:0 (type L4, equal-size mode): memory 24.00 GiB"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("L4-6C"), std::string::npos) << r.out;
}

TEST(SlicesCli, MalformedYamlIsAUsageErrorNamingFileAndLine) {
  TempDir dir;
  const std::string bad =
      write_file(dir, "bad.yaml", "device:\n  cores: 2\nslices:\n  - name: a\n    memory: [1GiB\n");
  CommandResult r = run_tessera(dir, "slices check " + bad);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("tessera slices check: " + bad + ":6:", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("malformed YAML"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;

  // Tabs are not YAML indentation.
  const std::string tabs = write_file(dir, "tabs.yaml", "slices:\n\t- name: a\n");
  r = run_tessera(dir, "slices check " + tabs);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(tabs + ":2:"), std::string::npos) << r.err;

  const std::string repeated =
      write_file(dir, "repeated.yaml",
                 "device: {cores: 2, memory: 4GiB}\nslices:\n  - name: a\n    memory: 1GiB\n"
                 "    memory: 2GiB\n");
  r = run_tessera(dir, "slices check " + repeated);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(repeated + ":5:5: slices[0]: key 'memory' is repeated (first on line 4)"),
            std::string::npos)
      << r.err;

  // The experiment reads configs the same way.
  r = run_tessera(dir, "slices experiment " + bad + " --duration 0.1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(bad + ":6:"), std::string::npos) << r.err;
}

TEST(SlicesCli, OverCommitNamesTheSlicesAndTheNumbers) {
  TempDir dir;
  const std::string over = write_file(dir, "over.yaml",
                                      "device: {memory: 8GiB, cores: 2}\nslices:\n"
                                      "  - {name: chat, memory: 6GiB, share: 50%}\n"
                                      "  - {name: embed, memory: 3GiB, share: 50%}\n");
  CommandResult r = run_tessera(dir, "slices check " + over);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("over.yaml:3:3: slices over-commit cpu memory: chat (line 3) 6.00 GiB + "
                       "embed (line 4) 3.00 GiB = 9.00 GiB > 8.00 GiB capacity"),
            std::string::npos)
      << r.err;
  const std::string five =
      write_file(dir, "five.yaml",
                 "device: {name: cuda:0, type: L4}\nslices:\n"
                 "  - {name: a, profile: L4-6C}\n  - {name: b, profile: L4-6C}\n"
                 "  - {name: c, profile: L4-6C}\n  - {name: d, profile: L4-6C}\n"
                 "  - {name: e, profile: L4-6C}\n");
  r = run_tessera(dir, "slices check " + five);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("5 × L4-6C on one L4; at most 4 in equal-size mode"), std::string::npos)
      << r.err;
}

TEST(SlicesCli, MissingConfigIsAFailure) {
  TempDir dir;
  CommandResult r = run_tessera(dir, "slices check " + dir.file("nope.yaml"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nope.yaml: cannot open"), std::string::npos) << r.err;
}

TEST(SlicesCli, CheckAdmitsModelsOrRefusesWithTheExplanation) {
  TempDir dir;
  const std::string model = dir.file("m.gguf");
  CommandResult r = run_tessera(
      dir, "pack --synthetic llama --layers 2 --dim 64 --heads 4 --context 256 -o " + model);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string config = write_file(dir, "c.yaml",
                                        "device: {memory: 1GiB, cores: 2}\nslices:\n"
                                        "  - {name: big, memory: 256MiB}\n"
                                        "  - {name: tiny, memory: 8MiB}\n");
  r = run_tessera(dir, "slices check " + config + " --model big=" + model);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model '" + model + "' fits slice 'big': weights"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("of the 256.00 MiB quota charged now"), std::string::npos) << r.out;

  r = run_tessera(dir, "slices check " + config + " --model big=" + model +
                           " --model tiny=" + model + " --sequences 2");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("fits slice 'big'"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("does not fit slice 'tiny'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("8.00 MiB available"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("needs: weights"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("256 tokens × 2 sequences"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("+ overhead"), std::string::npos) << r.err;
  // 1 GiB - 264 MiB of the device is unclaimed: the slice grown by it would hold the model.
  EXPECT_NE(r.err.find("a larger slice: 'tiny' with the 760.00 MiB of cpu that no slice claims"),
            std::string::npos)
      << r.err;

  r = run_tessera(dir, "slices check " + config + " --model small=" + model);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--model 'small=" + model + "': no slice 'small'"), std::string::npos)
      << r.err;
  r = run_tessera(dir, "slices check " + config + " --model big=" + dir.file("none.gguf"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("none.gguf"), std::string::npos) << r.err;
  r = run_tessera(dir, "slices check " + config + " --model big=" + model + " --context 100000");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("context must be 0..256"), std::string::npos) << r.err;
}

TEST(SlicesCli, ExperimentReportsEveryPolicyAndSlice) {
  TempDir dir;
  const std::string config = write_file(dir, "two.yaml", kTwoSlices);
  // One second per policy: fixed-share's allowances (a time slice of initial credit, one step's
  // overrun) are a fixed amount of time, so in a short window on a loaded machine, whose steps
  // stretch, they alone can lift the light slice past the bound below (0.33 seen in 0.3 s).
  CommandResult r = run_tessera(dir, "slices experiment " + config + " --duration 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, int> rows_per_policy;
  for (const std::string& line : lines_of(r.out)) {
    const nlohmann::json row = nlohmann::json::parse(line);
    const std::string policy = row["policy"];
    ++rows_per_policy[policy];
    const std::string slice = row["slice"];
    EXPECT_TRUE(slice == "light" || slice == "heavy") << line;
    EXPECT_GT(row["steps"].get<int>(), 0) << line;
    EXPECT_GT(row["share"].get<double>(), 0) << line;
    EXPECT_LE(row["share"].get<double>(), 1.0) << line;
    EXPECT_GT(row["p50_ms"].get<double>(), 0) << line;
    EXPECT_GE(row["p99_ms"].get<double>(), row["p50_ms"].get<double>()) << line;
    EXPECT_DOUBLE_EQ(row["configured_share"].get<double>(), slice == "light" ? 0.2 : 0.8);
    if (policy == "fixed-share" && slice == "light") {
      // Its 20% is reserved, never more: fixed-share does not hand it the heavy slice's time.
      EXPECT_LT(row["share"].get<double>(), 0.3) << line;
    }
  }
  const std::map<std::string, int> expected = {
      {"best-effort", 2}, {"equal-share", 2}, {"fixed-share", 2}, {"deadline", 2}};
  EXPECT_EQ(rows_per_policy, expected) << r.out;

  // The table form, one policy, one slice open loop.
  r = run_tessera(dir, "slices experiment " + config +
                           " --duration 0.2 --policies equal-share --rate light=50");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("p50_ms   p99_ms"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("equal-share  light"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(busy)"), std::string::npos) << r.out;
}

TEST(SlicesCli, ExperimentRefusesBadFlagsAndModelsThatDoNotFit) {
  TempDir dir;
  const std::string config = write_file(dir, "two.yaml", kTwoSlices);
  const std::string run = "slices experiment " + config + " ";
  struct Case {
    std::string flags, message;
  };
  const Case usage[] = {
      {"--rate light=0", "--rate light=0: expected steps per second"},
      {"--rate light", "--rate 'light': expected SLICE=STEPS_PER_SECOND"},
      {"--rate dark=5", "no slice 'dark'"},
      {"--policies best-effort,fastest", "policy 'fastest'"},
      {"--duration 0", "--duration must be in (0, 600]"},
      {"--model light=a.gguf --model light=b.gguf", "slice 'light' is given two models"},
  };
  for (const Case& c : usage) {
    CommandResult r = run_tessera(dir, run + c.flags);
    EXPECT_EQ(r.exit_code, 2) << c.flags << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.flags << "\n" << r.err;
  }
  CommandResult r = run_tessera(dir, "slices experiment " + kExamples + "/l4-profiles.yaml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the experiment runs on a cpu device, not on cuda:0"), std::string::npos)
      << r.err;

  const std::string model = dir.file("wide.gguf");
  r = run_tessera(dir, "pack --synthetic llama --layers 2 --dim 512 --heads 4 -o " + model);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string small = write_file(dir, "small.yaml",
                                       "device: {memory: 64MiB, cores: 2}\nslices:\n"
                                       "  - {name: a, memory: 20MiB}\n");
  r = run_tessera(dir, "slices experiment " + small + " --duration 0.1 --model a=" + model);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("model '" + model + "' does not fit slice 'a'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("would fit with any one of"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tessera
