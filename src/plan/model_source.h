// Where the planner gets a model's shape from: a GGUF file (its header only, through
// models/footprint.h's model_shape_from_gguf), a Hugging Face config.json, or dimensions given by
// name. All three end in the same ModelShape the server's admission uses, so the plan's bytes are
// the runtime's bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "models/footprint.h"

namespace tessera::plan {

// A transformer's dimensions. head_dim 0 means dim / heads; kv_heads 0 means heads.
struct ModelDims {
  std::string name = "model";
  ModelKind kind = ModelKind::kGenerate;
  std::string arch = "llama";  // a row of models/architecture.h (bert, nomic-bert: encoders)
  int64_t layers = 0;
  int64_t dim = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  int64_t ffn = 0;
  int64_t vocab = 0;
  int64_t context = 0;
  bool tied_output = false;
  int64_t type_vocab = 2;  // encoders: token type rows (XLM-RoBERTa: 1)
};

// Checks the dimensions agree (positive, kv_heads divides heads, dim splits into heads when no
// head_dim is given, ...) and builds the tensor list: F16 matrices, F32 norms and biases. `where`
// prefixes errors ("config.json", "--dims").
Result<ModelShape> shape_from_dims(const ModelDims& dims, const std::string& where);

// "layers=32,dim=4096,heads=32,kv_heads=8,ffn=14336,vocab=128256,context=131072" with optional
// head_dim, tied (0/1), kind (generate|embed|rerank), arch, name.
Result<ModelDims> parse_dims(std::string_view text);

// A Hugging Face config.json (llama, mistral, qwen2/3, gemma, phi3 and other dense decoders;
// bert, roberta, xlm-roberta and nomic_bert encoders, with the context llama.cpp's converter
// writes). Mixture-of-experts configs are refused: their weights are not dense.
Result<ModelShape> shape_from_hf_config(const std::string& json, const std::string& source);

// A GGUF file (by its magic) or a config.json; the header only is read.
Result<ModelShape> load_model_shape(const std::string& path);

}  // namespace tessera::plan
