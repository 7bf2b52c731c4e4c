// tessera run MODEL.gguf -p "prompt" [-n N] [--chat] [sampling flags] [--dump-logits FILE]
#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "backend/cpu/cpu_backend.h"
#include "cli/command.h"
#include "cli/encode_cli.h"
#include "models/architecture.h"
#include "models/llama_model.h"
#include "runtime/generate.h"
#include "tokenize/chat_template.h"
#include "tokenize/tokenizer.h"

namespace tessera::cli {
namespace {

struct RunOptions {
  std::string model;
  std::string prompt;
  std::string system;
  bool chat = false;
  int threads = 0;
  std::string dump_logits;
  GenerateRequest request;
  EncodeRunFlags encode;  // --embed / --rerank: BERT-family models (encode_cli.h)
};

// Renders the model's chat template around the prompt (and system message).
Result<std::string> render_chat_prompt(const LlamaModel& model, const Tokenizer& tokenizer,
                                       const RunOptions& options) {
  const gguf::Value* source = model.file().find("tokenizer.chat_template");
  if (source == nullptr || !source->is_string()) {
    return invalid_argument("--chat: " + model.file().name() +
                            " has no tokenizer.chat_template; run without --chat");
  }
  TESSERA_ASSIGN_OR_RETURN(ChatTemplate chat_template, ChatTemplate::parse(source->as_string()));
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (!options.system.empty())
    messages.push_back({{"role", "system"}, {"content", options.system}});
  messages.push_back({{"role", "user"}, {"content", options.prompt}});
  const Vocabulary& vocab = tokenizer.vocab();
  auto token_text = [&](int32_t id) { return vocab.contains(id) ? vocab.text(id) : std::string(); };
  return chat_template.render_chat(messages, true, token_text(vocab.special().bos),
                                   token_text(vocab.special().eos));
}

Status write_logits(const std::string& path, const std::vector<float>& logits) {
  FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) return io_error(path + ": cannot create");
  const size_t written = std::fwrite(logits.data(), sizeof(float), logits.size(), out);
  const bool closed = std::fclose(out) == 0;
  if (written != logits.size() || !closed) return io_error(path + ": write failed");
  return {};
}

int run_run(RunOptions& options) {
  CpuBackend backend(options.threads);
  Arena arena("run", UINT64_MAX);  // a standalone run has no slice quota
  Result<std::unique_ptr<LlamaModel>> model =
      LlamaModel::load(options.model, backend, arena,
                       DecoderLimits{.max_batch_tokens = std::max<int64_t>(
                                         1, options.request.prefill_chunk_tokens)});
  if (!model.ok()) return report_error("run", model.status());
  Result<std::unique_ptr<Tokenizer>> tokenizer = make_tokenizer((*model)->file());
  if (!tokenizer.ok()) return report_error("run", tokenizer.status());
  const Tokenizer& tok = **tokenizer;

  std::string text = options.prompt;
  bool parse_special = false;
  bool add_special = true;
  if (options.chat) {
    Result<std::string> rendered = render_chat_prompt(**model, tok, options);
    if (!rendered.ok()) return report_error("run", rendered.status());
    text = *rendered;
    parse_special = true;  // the template writes control tokens as text
    // Templates that write BOS themselves must not get a second one.
    const int32_t bos = tok.vocab().special().bos;
    if (tok.vocab().contains(bos) && text.rfind(tok.vocab().text(bos), 0) == 0) add_special = false;
  }
  options.request.prompt = tok.encode(text, add_special, parse_special);
  std::vector<float> prompt_logits;
  if (!options.dump_logits.empty()) options.request.prompt_logits = &prompt_logits;

  Result<GenerateResult> result =
      generate(**model, tok, options.request, [](std::string_view piece) {
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
        return true;
      });
  std::fputc('\n', stdout);
  if (!result.ok()) return report_error("run", result.status());
  if (!options.dump_logits.empty()) {
    if (Status s = write_logits(options.dump_logits, prompt_logits); !s.ok()) {
      return report_error("run", s);
    }
  }
  const double n_prompt = static_cast<double>(options.request.prompt.size());
  const double n_gen = static_cast<double>(result->tokens.size());
  std::fprintf(stderr,
               "tessera run: prompt %.0f tokens in %.3f s (%.1f tok/s), generated %.0f tokens in "
               "%.3f s (%.1f tok/s), finish: %s\n",
               n_prompt, result->prefill_seconds,
               n_prompt / std::max(1e-9, result->prefill_seconds), n_gen, result->decode_seconds,
               n_gen / std::max(1e-9, result->decode_seconds), result->finish_reason.c_str());
  return kExitOk;
}

}  // namespace

Action register_run(CLI::App& root) {
  auto options = std::make_shared<RunOptions>();
  GenerateRequest& r = options->request;
  SamplingParams& s = r.sampling;
  CLI::App* cmd =
      root.add_subcommand("run", "Generate text from a decoder GGUF (" +
                                     architecture_names(ModelFamily::kDecoder) + ") on the CPU");
  cmd->add_option("model", options->model, "GGUF model file")->required()->check(CLI::ExistingFile);
  CLI::Option* prompt = cmd->add_option("-p,--prompt", options->prompt, "Prompt text");
  cmd->add_option("-n,--max-tokens", r.max_tokens, "Tokens to generate at most")
      ->capture_default_str();
  cmd->add_flag("--chat", options->chat, "Wrap the prompt in the model's chat template");
  cmd->add_option("--system", options->system, "System message (with --chat)");
  cmd->add_option("--temp", s.temperature, "Temperature (0: greedy)")->capture_default_str();
  cmd->add_option("--top-k", s.top_k, "Top-k (0: off)")->capture_default_str();
  cmd->add_option("--top-p", s.top_p, "Top-p (1: off)")->capture_default_str();
  cmd->add_option("--min-p", s.min_p, "Min-p (0: off)")->capture_default_str();
  cmd->add_option("--repeat-penalty", s.repeat_penalty, "Repetition penalty (1: off)")
      ->capture_default_str();
  cmd->add_option("--repeat-last-n", s.repeat_last_n, "Tokens the penalties look back")
      ->capture_default_str();
  cmd->add_option("--presence-penalty", s.presence_penalty, "Presence penalty")
      ->capture_default_str();
  cmd->add_option("--frequency-penalty", s.frequency_penalty, "Frequency penalty")
      ->capture_default_str();
  cmd->add_option("--seed", s.seed, "Sampling seed")->capture_default_str();
  cmd->add_option("--stop", r.stop, "Stop string (repeatable)");
  cmd->add_flag("--ignore-eos", r.ignore_eos, "Keep generating past end-of-generation tokens");
  cmd->add_option("-t,--threads", options->threads, "Compute threads (default: cores)");
  cmd->add_option(
      "--dump-logits", options->dump_logits,
      "Write float32 logits of every prompt position ([positions, vocab], little-endian)");
  add_encode_run_flags(*cmd, options->encode);
  return [options, prompt] {
    if (options->encode.requested()) {
      return run_encode(options->model, options->threads, options->encode);
    }
    if (prompt->count() == 0) {
      return report_error("run", invalid_argument("--prompt is required (or --embed / --rerank)"));
    }
    return run_run(*options);
  };
}

}  // namespace tessera::cli
