// tessera: one binary, one subcommand per task (see docs/architecture.md, "CLI").
#include <cstdio>
#include <map>
#include <string>

#include "cli/command.h"

namespace tessera::cli {

int report_error(const char* command, const Status& status) {
  std::fprintf(stderr, "tessera %s: %s\n", command, status.message().c_str());
  return status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

}  // namespace tessera::cli

int main(int argc, char** argv) {
  using namespace tessera::cli;
  CLI::App app{
      "Tessera: slice one device into isolated partitions and serve LLMs, embedders and "
      "rerankers through them.",
      "tessera"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tessera 0.1.0");
  std::map<const CLI::App*, Action> actions;
  for (auto* register_command :
       {&register_inspect, &register_pack, &register_quantize, &register_run, &register_perf,
        &register_slices, &register_plan, &register_serve, &register_bench, &register_tokenize}) {
    const size_t before = app.get_subcommands({}).size();
    Action action = register_command(app);
    actions[app.get_subcommands({}).at(before)] = std::move(action);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help / --version
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  for (const auto& [subcommand, action] : actions) {
    if (subcommand->parsed()) return action();
  }
  return kExitUsage;
}
