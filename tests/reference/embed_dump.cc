// Runs an encoder (bert, nomic-bert) over token-id sequences in one packed batch and writes the
// float32 rows it pools, unnormalized, little-endian: one row per sequence ([dim], or the reranker
// head's outputs for rank), or one per token for none. The NumPy oracle compares them; ids need no
// tokenizer, so files whose vocabulary has none yet (XLM-RoBERTa's unigram) run too. Usage:
// embed_dump MODEL.gguf OUT.f32 none|mean|cls|last|rank ID... [| ID...]
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "models/bert_model.h"

int main(int argc, char** argv) {
  using namespace tessera;
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: embed_dump MODEL.gguf OUT.f32 none|mean|cls|last|rank ID... [| ID...]\n");
    return 2;
  }
  Result<Pooling> pooling = pooling_from_name(argv[3]);
  if (!pooling.ok()) {
    std::fprintf(stderr, "%s\n", pooling.status().to_string().c_str());
    return 2;
  }
  std::vector<std::vector<int32_t>> ids(1);
  for (int i = 4; i < argc; ++i) {
    if (std::strcmp(argv[i], "|") == 0) {
      ids.emplace_back();
    } else {
      ids.back().push_back(static_cast<int32_t>(std::atoi(argv[i])));
    }
  }
  std::vector<EncoderSequence> batch;
  int64_t tokens = 0;
  for (const std::vector<int32_t>& seq : ids) {
    batch.push_back({seq, {}});
    tokens += static_cast<int64_t>(seq.size());
  }
  CpuBackend backend(2);
  Arena arena("embed_dump", UINT64_MAX);
  Result<std::unique_ptr<BertModel>> model = BertModel::load(argv[1], backend, arena, tokens);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().to_string().c_str());
    return 1;
  }
  Result<EncoderOutput> out = (*model)->encode(batch, *pooling);
  if (!out.ok()) {
    std::fprintf(stderr, "%s\n", out.status().to_string().c_str());
    return 1;
  }
  FILE* file = std::fopen(argv[2], "wb");
  if (!file ||
      std::fwrite(out->rows.data(), sizeof(float), out->rows.size(), file) != out->rows.size()) {
    std::fprintf(stderr, "cannot write %s\n", argv[2]);
    return 1;
  }
  std::fclose(file);
  return 0;
}
