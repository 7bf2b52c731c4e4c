// tessera inspect FILE.gguf [--json] [--full]
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "gguf/describe.h"
#include "gguf/file.h"

namespace tessera::cli {
namespace {

struct InspectOptions {
  std::string path;
  bool json = false;
  gguf::DescribeOptions describe;
};

int run_inspect(const InspectOptions& options) {
  Result<gguf::File> file = gguf::File::open(options.path);
  if (!file.ok()) {
    // A file that exists but does not parse is a failure, not a usage error.
    std::fprintf(stderr, "tessera inspect: %s\n", file.status().message().c_str());
    return kExitFailure;
  }
  if (options.json) {
    // Metadata strings are not guaranteed UTF-8; JSON output replaces invalid bytes with U+FFFD.
    const std::string json =
        gguf::describe_json(*file, options.describe)
            .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    std::printf("%s\n", json.c_str());
  } else {
    std::fputs(gguf::describe_text(*file, options.describe).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace

Action register_inspect(CLI::App& root) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* cmd = root.add_subcommand(
      "inspect", "Print a GGUF file's architecture, parameter count, metadata and tensor table");
  cmd->add_option("file", options->path, "GGUF model file")->required();
  cmd->add_flag("--json", options->json, "Print one JSON object instead of text");
  cmd->add_flag("--full", options->describe.full, "Print arrays in full instead of eliding them");
  cmd->add_option("--max-array-items", options->describe.max_array_items,
                  "Array elements shown before eliding")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  return [options] { return run_inspect(*options); };
}

}  // namespace tessera::cli
