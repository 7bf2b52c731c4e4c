// Each subcommand registers its flags on the root CLI11 app and returns the action to run once the
// command line parsed. Exit codes follow docs/architecture.md: 0 ok, 1 failure, 2 bad usage.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "base/status.h"

namespace tessera::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

using Action = std::function<int()>;

Action register_inspect(CLI::App& root);
Action register_pack(CLI::App& root);
Action register_quantize(CLI::App& root);
Action register_run(CLI::App& root);
Action register_perf(CLI::App& root);
Action register_slices(CLI::App& root);
Action register_plan(CLI::App& root);
Action register_serve(CLI::App& root);
Action register_bench(CLI::App& root);
Action register_tokenize(CLI::App& root);

// Prints "tessera <command>: <status>" to stderr and returns the exit code for it: usage errors
// (InvalidArgument) give 2, everything else 1.
int report_error(const char* command, const Status& status);

}  // namespace tessera::cli
