// The model repository's per-model config: DIR/<model>/model.yaml.
//
//   kind: generate           # generate | embed | rerank
//   file: model.gguf         # the GGUF, relative to the model's folder (or absolute)
//   slice: chat              # the slice of the server's device config it runs in
//   context: 512             # tokens per sequence; 0 or absent: the model's
//   max_batch_tokens: 64     # tokens of one forward pass (sizes the scratch it reserves)
//   max_queue: 64            # requests waiting; beyond: 429 with Retry-After
//   # generate only
//   max_sequences: 8         # sequences generating at once (their KV caches are reserved)
//   prefill_chunk: 32        # prompt tokens one sequence may add to a step
//   # embed / rerank only
//   max_batch: 32            # texts per step
//   max_queue_delay: 2ms     # how long the oldest request waits for others to batch with
//   preferred_batch: [4, 8]  # texts per step to prefer (a batch stops at the largest it fills)
//   timeout: 500ms           # queue timeout of a request that sets none (0: none); past it: 504
//
// Errors are "SOURCE:LINE:COLUMN: field: what was wrong" (InvalidArgument).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "models/footprint.h"

namespace tessera::serve {

inline constexpr const char* kModelConfigFile = "model.yaml";

struct ModelConfig {
  std::string name;  // the folder's name
  ModelKind kind = ModelKind::kGenerate;
  std::string file;  // resolved path of the GGUF
  std::string slice;
  int64_t context = 0;
  int64_t max_batch_tokens = 64;
  int64_t max_queue = 64;
  int64_t max_sequences = 8;
  int64_t prefill_chunk_tokens = 32;
  int64_t max_batch = 32;
  int64_t max_queue_delay_us = 2000;
  std::vector<int64_t> preferred_batch_sizes;
  int64_t timeout_us = 0;
};

Result<ModelKind> model_kind_from_name(std::string_view name);

// `folder` resolves a relative `file`; `name` becomes the config's name.
Result<ModelConfig> parse_model_config(std::string_view yaml, const std::string& source,
                                       const std::string& folder, const std::string& name);
// Reads FOLDER/model.yaml; the model's name is the folder's last component.
Result<ModelConfig> load_model_config(const std::string& folder);

}  // namespace tessera::serve
