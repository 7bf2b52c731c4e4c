#include "serve/demo_repository.h"

#include <filesystem>
#include <fstream>

#include "models/synthetic.h"

#ifndef TESSERA_DEMO_VOCAB_DIR
#error "CMake defines TESSERA_DEMO_VOCAB_DIR (the shared vocabulary fixtures)"
#endif
#ifndef TESSERA_DEMO_DIR
#error "CMake defines TESSERA_DEMO_DIR (the demo repository's default place)"
#endif

namespace tessera::serve {
namespace fs = std::filesystem;
namespace {

// Written last: a repository without it was interrupted and is written again.
constexpr const char* kCompleteMarker = ".complete";
constexpr const char* kBertVocab = "ggml-vocab-bert-bge.gguf";

constexpr const char* kSlicesYaml = R"(# The demo device: three slices of this CPU, one per model.
device:
  name: cpu
  memory: 2GiB
scheduler:
  policy: best-effort
  time_slice: 2ms
slices:
  - name: chat
    memory: 1GiB
    share: 50%
  - name: embed
    memory: 512MiB
    share: 25%
  - name: rerank
    memory: 512MiB
    share: 25%
)";

// A ChatML-like template in plain text: the demo decoder's byte vocabulary has no control tokens.
constexpr const char* kChatTemplate =
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}";

struct DemoModel {
  const char* name;
  const char* yaml;
  SyntheticSpec spec;
};

Status write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return io_error(path.string() + ": cannot write");
  return {};
}

std::vector<DemoModel> demo_models() {
  SyntheticSpec chat;
  chat.arch = "llama";
  chat.layers = 4;
  chat.dim = 256;
  chat.ffn = 768;
  chat.heads = 8;
  chat.kv_heads = 4;
  chat.context = 1024;
  chat.type = DType::kQ8_0;
  chat.seed = 1;
  chat.chat_template = kChatTemplate;

  SyntheticSpec embed;
  embed.arch = "bert";
  embed.layers = 2;
  embed.dim = 128;
  embed.heads = 4;
  embed.context = 512;
  embed.type = DType::kQ8_0;
  embed.seed = 2;
  embed.vocab_from = std::string(TESSERA_DEMO_VOCAB_DIR) + "/" + kBertVocab;
  embed.pooling = "mean";

  SyntheticSpec rerank = embed;
  rerank.seed = 3;
  rerank.rerank = true;
  rerank.pooling = "";

  return {
      {"chat",
       "kind: generate\nfile: model.gguf\nslice: chat\ncontext: 1024\nmax_sequences: 16\n"
       "max_batch_tokens: 64\nprefill_chunk: 32\nmax_queue: 64\n",
       chat},
      {"embed",
       "kind: embed\nfile: model.gguf\nslice: embed\nmax_batch_tokens: 1024\nmax_batch: 32\n"
       "max_queue_delay: 2ms\nmax_queue: 64\n",
       embed},
      {"rerank",
       "kind: rerank\nfile: model.gguf\nslice: rerank\nmax_batch_tokens: 1024\nmax_batch: 32\n"
       "max_queue_delay: 2ms\nmax_queue: 64\n",
       rerank},
  };
}

}  // namespace

std::string default_demo_dir() { return TESSERA_DEMO_DIR; }

Result<std::string> ensure_demo_repository(const std::string& dir) {
  const fs::path root(dir);
  if (fs::exists(root / kCompleteMarker)) return dir;
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return io_error(dir + ": cannot create the demo repository: " + ec.message());
  TESSERA_RETURN_IF_ERROR(write_text(root / "slices.yaml", kSlicesYaml));
  for (const DemoModel& model : demo_models()) {
    const fs::path folder = root / model.name;
    fs::create_directories(folder, ec);
    if (ec) return io_error(folder.string() + ": cannot create: " + ec.message());
    TESSERA_ASSIGN_OR_RETURN(gguf::Writer writer, build_synthetic_model(model.spec));
    TESSERA_RETURN_IF_ERROR(writer.write((folder / "model.gguf").string()));
    TESSERA_RETURN_IF_ERROR(write_text(folder / "model.yaml", model.yaml));
  }
  TESSERA_RETURN_IF_ERROR(write_text(root / kCompleteMarker, "tessera demo repository\n"));
  return dir;
}

}  // namespace tessera::serve
