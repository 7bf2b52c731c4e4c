// One GPU's part of a model split by tensor parallelism over n GPUs, Megatron-style: q/k/v, gate
// and up split by output columns, attention output and down by input rows, embeddings and the
// output matrix by vocabulary, norms replicated. K/V heads are split while there are enough; with
// fewer K/V heads than GPUs each GPU keeps one (replicated), as vLLM does.
#pragma once

#include "models/footprint.h"

namespace tessera::plan {

// Whether `shape` splits over `n` GPUs: n divides the attention heads, and the K/V heads divide n
// or n divides them.
bool splits_over(const ModelShape& shape, int n);
ModelShape tensor_parallel_shard(const ModelShape& shape, int n);

}  // namespace tessera::plan
