// Which tensors of a model are weight matrices that take the requested storage type, and which
// (norms, biases, small embeddings) stay F32. Shared by `tessera pack` and `tessera quantize`, so a
// packed model and a re-quantized one are laid out the same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/dtype.h"

namespace tessera {

// True for 2-D weights that are worth re-encoding: every `*.weight` matrix except norms and the
// tiny token-type / position tables of encoders.
bool is_weight_matrix(const std::string& name, const std::vector<int64_t>& dims);

// The storage type of a weight matrix whose rows have `row_elements` elements. When the requested
// block size does not divide the row (Q4_K needs 256), falls back the way llama.cpp does: to the
// nearest type with 32-element blocks (Q4_0 for 4-bit requests, Q8_0 for larger ones), then F16.
DType storage_type_for_row(DType requested, int64_t row_elements);

// The `general.file_type` value llama.cpp writes for a model whose matrices are mostly `type`
// (llama_ftype: 0 all F32, 1 mostly F16, 2 Q4_0, 7 Q8_0, 15 Q4_K_M, 18 Q6_K, 32 BF16).
uint32_t llama_file_type(DType type);

}  // namespace tessera
