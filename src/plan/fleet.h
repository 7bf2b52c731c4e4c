// A fleet file: many models with their workloads, for `tessera plan --fleet FILE`
// (examples/fleet/ has a complete one):
//
//   gpu: L4                      # the GPU to plan for (default: the catalog's default_gpu)
//   compare: [L4, L40S, H100-PCIe]   # GPU types to compare (default: the catalog's)
//   sharing: vgpu                # vgpu | tessera | none (plan/workload.h)
//   mig: false                   # MIG-backed profiles instead of time-sliced ones
//   defaults: {context: 4096, sequences: 4, tokens_in: 512, tokens_out: 256}
//   models:
//     - name: chat
//       hf_config: configs/llama-3.1-8b.json   # or gguf: FILE, or dims: {layers: .., dim: ..}
//       weights: auto            # auto (the decision flow) | stored | f16 | fp8 | q8_0 | q4_k ...
//       kv: f16                  # KV cache precision
//       context: 8192
//       sequences: 8
//       tokens_in: 1024
//       tokens_out: 256
//       target_requests_per_s: 2 # or target_tokens_per_s
//       p99_ms: 8000
//       batch_tokens: 512
//
// Paths are relative to the fleet file. Errors name the file, line, column and field.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "plan/workload.h"

namespace tessera::plan {

struct Fleet {
  std::string source;
  std::string gpu;                   // empty: not given
  std::vector<std::string> compare;  // empty: not given
  std::optional<Sharing> sharing;
  std::optional<bool> mig;
  std::vector<ModelRequest> models;
};

// `base_dir` resolves the models' relative paths.
Result<Fleet> parse_fleet(const std::string& yaml, const std::string& source,
                          const std::string& base_dir);
Result<Fleet> load_fleet(const std::string& path);

Result<Sharing> parse_sharing(const std::string& text);
// "auto" gives none; "stored" sets weights_as_stored.
Status set_weights(const std::string& text, ModelRequest& request);

}  // namespace tessera::plan
