// tessera pack --synthetic ARCH [dims] --type T --seed S -o OUT.gguf
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "base/progress.h"
#include "cli/command.h"
#include "gguf/describe.h"
#include "models/architecture.h"
#include "models/synthetic.h"

namespace tessera::cli {
namespace {

struct PackOptions {
  SyntheticSpec spec;
  std::string chat_template_path;
  std::string type_name = "f32";
  std::string output;
};

int run_pack(PackOptions& options) {
  Result<DType> type = dtype_from_name(options.type_name);
  if (!type.ok())
    return report_error("pack", invalid_argument("--type: " + type.status().message()));
  options.spec.type = *type;
  if (!options.chat_template_path.empty()) {
    std::ifstream in(options.chat_template_path, std::ios::binary);
    std::ostringstream source;
    source << in.rdbuf();
    if (!in.good() && !in.eof()) {
      return report_error("pack", io_error(options.chat_template_path + ": cannot read"));
    }
    options.spec.chat_template = source.str();
  }
  int fallbacks = 0;
  Result<gguf::Writer> writer = build_synthetic_model(options.spec, &fallbacks);
  if (!writer.ok()) return report_error("pack", writer.status());
  ProgressBar bar("pack " + options.output);
  Status status = writer->write(options.output, [&](size_t done, size_t total, uint64_t, uint64_t) {
    bar.update(done, total);
  });
  bar.finish();
  if (!status.ok()) return report_error("pack", status);
  if (fallbacks > 0) {
    std::fprintf(stderr,
                 "tessera pack: note: %d matrices use another type because their rows are not a "
                 "multiple of the %s block size\n",
                 fallbacks, dtype_name(options.spec.type));
  }
  return kExitOk;
}

}  // namespace

Action register_pack(CLI::App& root) {
  auto options = std::make_shared<PackOptions>();
  SyntheticSpec& spec = options->spec;
  CLI::App* cmd = root.add_subcommand(
      "pack", "Write a synthetic model (real layout, deterministic random weights) as GGUF");
  cmd->add_option("--synthetic", spec.arch, "Architecture: " + architecture_names())
      ->required()
      ->check([](const std::string& name) {
        return find_architecture(name) != nullptr
                   ? std::string()
                   : "unknown architecture '" + name + "' (expected " + architecture_names() + ")";
      });
  cmd->add_option("-o,--output", options->output, "Output GGUF path")->required();
  cmd->add_option("--layers", spec.layers, "Transformer blocks")->capture_default_str();
  cmd->add_option("--dim", spec.dim, "Embedding width")->capture_default_str();
  cmd->add_option("--ffn", spec.ffn,
                  "Feed-forward width (default: 8/3·dim for decoders, 4·dim for encoders)");
  cmd->add_option("--heads", spec.heads, "Attention heads")->capture_default_str();
  cmd->add_option("--kv-heads", spec.kv_heads,
                  "KV heads for grouped-query attention (default: --heads)");
  cmd->add_option("--head-dim", spec.head_dim,
                  "Decoders: head size when it is not --dim/--heads (written as key_length)");
  cmd->add_option("--context", spec.context, "Context length")->capture_default_str();
  cmd->add_option(
         "--vocab-from", spec.vocab_from,
         "Copy the tokenizer from this GGUF (default for decoders: a 259-token byte vocabulary)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--type", options->type_name,
                  "Weight matrix type: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k")
      ->capture_default_str();
  cmd->add_option("--seed", spec.seed, "Random seed; the same seed gives a byte-identical file")
      ->capture_default_str();
  cmd->add_flag("--tied-output", spec.tied_output, "Decoders: no output.weight, reuse token_embd");
  cmd->add_flag("--llama3-rope", spec.llama3_rope,
                "Decoders: add rope_freqs.weight, Llama 3.1's per-frequency RoPE scaling");
  cmd->add_flag("--long-rope", spec.long_rope,
                "phi3: add LongRoPE's rope_factors_long/short.weight, an original context of "
                "--context/4 and the attention factor");
  cmd->add_option("--sliding-window", spec.sliding_window,
                  "gemma2/gemma3: attention.sliding_window (default: 4096 / 1024)");
  cmd->add_option("--attn-softcap", spec.attn_softcap,
                  "gemma2: attn_logit_softcapping (default 50)");
  cmd->add_option(
      "--final-softcap", spec.final_softcap,
      "gemma2/gemma3: final_logit_softcapping (default: 30 for gemma2, none for gemma3)");
  cmd->add_option("--rope-scale", spec.rope_scale,
                  "Decoders: linear RoPE scaling factor (rope.scaling.type linear)");
  cmd->add_option("--chat-template", options->chat_template_path,
                  "Store this Jinja file as tokenizer.chat_template")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--rerank", spec.rerank,
                "Encoders: add the reranker head (cls, cls.output), pooling rank");
  cmd->add_flag("--xlm-roberta", spec.xlm_roberta,
                "bert: XLM-RoBERTa's layout (bge-m3, bge-reranker-v2-m3): one token type, "
                "a SentencePiece unigram ('t5') vocabulary, generated unless --vocab-from");
  cmd->add_option(
         "--pooling", spec.pooling,
         "Encoders: <arch>.pooling_type none, mean, cls, last or rank (default: mean, or rank "
         "with --rerank)")
      ->check(CLI::IsMember({"none", "mean", "cls", "last", "rank"}));
  return [options] { return run_pack(*options); };
}

}  // namespace tessera::cli
