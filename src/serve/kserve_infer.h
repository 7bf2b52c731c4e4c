// KServe v2 semantics, whichever transport carries them: what a model's inputs and outputs are
// called, and how a request's named tensors and parameters become the core GenerateRequest or
// EncodeRequest and the results tensors again. kserve_http.cc (JSON) and kserve_grpc.cc
// (protobuf) each turn their wire format into InferInputs and InferOutputs back into it; nothing
// else about inference differs between them.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "serve/generation_call.h"
#include "serve/json_fields.h"
#include "serve/kserve_tensors.h"
#include "serve/model_instance.h"
#include "serve/repository.h"

namespace tessera::serve {

inline constexpr const char* kKServeModelVersion = "1";  // every model has one version
inline constexpr const char* kKServeServerName = "tessera";
inline constexpr const char* kKServeServerVersion = "0.1.0";
inline const std::vector<std::string> kKServeExtensions = {"model_repository", "statistics"};

struct TensorSpec {
  std::string name;
  std::string datatype;
  std::vector<int64_t> shape;  // -1: any size
};

// What ModelMetadata reports: generate takes text_input and gives text_output (BYTES); embed
// takes text (BYTES) and gives embedding (FP32, texts x dim); rerank takes query and documents
// and gives scores (FP32, one per document).
struct ModelSignature {
  std::string platform;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
};
ModelSignature model_signature(const ModelInstance& model);

// NotFound naming the model when `version` is neither empty nor the one version there is.
Status check_model_version(const std::string& model, const std::string& version);

// One inference request after its transport's parsing.
struct InferInputs {
  std::vector<BytesTensor> tensors;
  Json parameters = Json::object();  // the sampling fields of generate_request_from_json
};

// Its result: the output tensors, and for generate models finish_reason and completion_tokens.
struct InferOutputs {
  std::vector<OutputTensor> tensors;
  Json parameters = Json::object();
};

struct InferHandlers {
  // Optional, generate models only: each piece of text as it is released (streaming). When set,
  // on_done's outputs leave the text out (the pieces carried it) and keep the parameters.
  std::function<void(std::string_view piece)> on_piece;
  std::function<void(const Result<InferOutputs>&)> on_done;
};

// Checks the inputs against `model`'s signature and submits them. An error here is returned and
// nothing runs; otherwise `handlers.on_done` runs exactly once, on an engine thread. `on_cancel`
// is how the transport says its client went away (generate models stop there).
Status start_infer(ModelInstance& model, InferInputs inputs, const CancelHook& on_cancel,
                   int64_t received_ns, InferHandlers handlers);

// Queues a load (`load`) or unload of `name`; `done` gets the outcome, where a model that fails
// to load is the request's problem to fix (its config, its slice) as Triton answers it:
// InvalidArgument with the reason. A request the repository refuses is returned.
Status control_model(Repository& repository, const std::string& name, bool load,
                     std::function<void(Status)> done);

}  // namespace tessera::serve
