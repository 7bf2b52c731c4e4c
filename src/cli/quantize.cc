// tessera quantize IN.gguf OUT.gguf TYPE
#include <cstdio>
#include <memory>

#include "base/progress.h"
#include "cli/command.h"
#include "gguf/describe.h"
#include "models/requantize.h"

namespace tessera::cli {
namespace {

struct QuantizeOptions {
  std::string input;
  std::string output;
  std::string type_name;
  RequantizeOptions requantize;
};

int run_quantize(QuantizeOptions& options) {
  Result<DType> type = dtype_from_name(options.type_name);
  if (!type.ok())
    return report_error("quantize", invalid_argument("TYPE: " + type.status().message()));
  options.requantize.type = *type;
  ProgressBar bar("quantize");
  Result<RequantizeReport> report =
      requantize_file(options.input, options.output, options.requantize,
                      [&](size_t done, size_t total) { bar.update(done, total); });
  bar.finish();
  if (!report.ok()) return report_error("quantize", report.status());
  std::fprintf(stderr, "tessera quantize: %d matrices -> %s", report->matrices,
               dtype_name(options.requantize.type));
  if (report->fallbacks > 0)
    std::fprintf(stderr, " (%d fell back: rows not a block multiple)", report->fallbacks);
  std::fprintf(stderr, ", %d norms/biases kept in f32; %s -> %s\n", report->kept,
               gguf::format_bytes(report->input_bytes).c_str(),
               gguf::format_bytes(report->output_bytes).c_str());
  return kExitOk;
}

}  // namespace

Action register_quantize(CLI::App& root) {
  auto options = std::make_shared<QuantizeOptions>();
  CLI::App* cmd = root.add_subcommand(
      "quantize", "Re-encode a GGUF model's weight matrices (norms and biases stay f32)");
  cmd->add_option("input", options->input, "Input GGUF")->required()->check(CLI::ExistingFile);
  cmd->add_option("output", options->output, "Output GGUF")->required();
  cmd->add_option("type", options->type_name, "Target type: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k")
      ->required();
  cmd->add_flag("--allow-requantize", options->requantize.allow_requantize,
                "Allow re-encoding matrices that are already quantized");
  return [options] { return run_quantize(*options); };
}

}  // namespace tessera::cli
