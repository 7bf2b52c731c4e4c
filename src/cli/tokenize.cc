// `tessera tokenize MODEL.gguf -p TEXT`: the token ids the model's own tokenizer gives a text, as
// one JSON array on stdout (llama.cpp's llama-tokenize prints the same ids). BOS/EOS are added as
// the file's metadata says unless --no-special; control tokens written in the text ("<|eot_id|>")
// become their ids only with --parse-special, as in llama-tokenize.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "gguf/file.h"
#include "tokenize/tokenizer.h"

namespace tessera::cli {
namespace {

struct TokenizeOptions {
  std::string path;
  std::string prompt;
  bool no_special = false;
  bool parse_special = false;
  bool pieces = false;
};

int run_tokenize(const TokenizeOptions& options) {
  Result<gguf::File> file = gguf::File::open(options.path);
  if (!file.ok()) return report_error("tokenize", file.status());
  Result<std::unique_ptr<Tokenizer>> tokenizer = make_tokenizer(*file);
  if (!tokenizer.ok()) {
    return report_error("tokenize", Status(tokenizer.status().code(),
                                           options.path + ": " + tokenizer.status().message()));
  }
  const std::vector<int32_t> ids =
      (*tokenizer)->encode(options.prompt, !options.no_special, options.parse_special);
  nlohmann::json out = nlohmann::json::array();
  for (int32_t id : ids) {
    if (options.pieces) {
      out.push_back({{"id", id}, {"piece", std::string((*tokenizer)->token_to_piece(id, true))}});
    } else {
      out.push_back(id);
    }
  }
  std::puts(out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return kExitOk;
}

}  // namespace

Action register_tokenize(CLI::App& root) {
  auto options = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = root.add_subcommand(
      "tokenize", "Print the token ids a GGUF model's tokenizer gives a text, as a JSON array");
  cmd->add_option("file", options->path, "GGUF model file")->required();
  cmd->add_option("-p,--prompt", options->prompt, "The text to tokenize")->required();
  cmd->add_flag("--no-special", options->no_special,
                "Do not add the BOS/EOS (or [CLS]/[SEP]) tokens the model's metadata asks for");
  cmd->add_flag("--parse-special", options->parse_special,
                "Turn control tokens written in the text (\"<|eot_id|>\") into their ids");
  cmd->add_flag("--pieces", options->pieces, "Print {id, piece} objects instead of bare ids");
  return [options] { return run_tokenize(*options); };
}

}  // namespace tessera::cli
