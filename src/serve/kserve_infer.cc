#include "serve/kserve_infer.h"

#include "serve/encode_call.h"

namespace tessera::serve {
namespace {

// The longest queue timeout a request may ask for: an hour, in microseconds.
constexpr int64_t kMaxRequestTimeoutUs = 3'600'000'000;
// max_tokens when a KServe request does not say.
constexpr int32_t kDefaultInferMaxTokens = 64;

Status start_generate(ModelInstance& model, InferInputs inputs, const CancelHook& on_cancel,
                      int64_t received_ns, InferHandlers handlers) {
  TESSERA_ASSIGN_OR_RETURN(auto named, select_inputs(std::move(inputs.tensors), {"text_input"}));
  const BytesTensor& text = named["text_input"];
  if (text.data.size() != 1) {
    return invalid_argument(text.path + ".shape: one prompt per request, got " +
                            std::to_string(text.data.size()));
  }
  TESSERA_ASSIGN_OR_RETURN(GenerateRequest generate,
                           generate_request_from_json(inputs.parameters, kDefaultInferMaxTokens));
  generate.prompt = tokenize_prompt(model, text.data[0], false);
  GenerationHandlers generation;
  const bool streaming = static_cast<bool>(handlers.on_piece);
  if (streaming) generation.on_text = std::move(handlers.on_piece);
  generation.on_done =
      [streaming, on_done = std::move(handlers.on_done)](const Result<GenerateResult>& result) {
        if (!result.ok()) return on_done(result.status());
        InferOutputs outputs;
        if (!streaming)
          outputs.tensors.push_back({"text_output", "BYTES", {1}, {result->text}, {}});
        outputs.parameters = {{"finish_reason", result->finish_reason},
                              {"completion_tokens", result->tokens.size()}};
        on_done(std::move(outputs));
      };
  return start_generation(model, std::move(generate), on_cancel, received_ns,
                          std::move(generation));
}

Status start_encoding(ModelInstance& model, InferInputs inputs, int64_t received_ns,
                      InferHandlers handlers) {
  EncodeRequest encode;
  encode.rerank = model.kind() == ModelKind::kRerank;
  if (encode.rerank) {
    TESSERA_ASSIGN_OR_RETURN(auto named,
                             select_inputs(std::move(inputs.tensors), {"query", "documents"}));
    if (named["query"].data.size() != 1) {
      return invalid_argument(named["query"].path + ": 'query' must hold exactly one string");
    }
    encode.query = named["query"].data[0];
    encode.texts = std::move(named["documents"].data);
  } else {
    TESSERA_ASSIGN_OR_RETURN(auto named, select_inputs(std::move(inputs.tensors), {"text"}));
    encode.texts = std::move(named["text"].data);
  }
  // Triton's per-request queue timeout, in microseconds; absent or 0: the model's `timeout`.
  TESSERA_ASSIGN_OR_RETURN(std::optional<int64_t> timeout_us,
                           optional_integer(inputs.parameters, "timeout", 0, kMaxRequestTimeoutUs));
  encode.timeout_us = timeout_us.value_or(0);
  const bool rerank = encode.rerank;
  return start_encode(
      model, std::move(encode), received_ns,
      [rerank, on_done = std::move(handlers.on_done)](const Result<EncodeOutcome>& outcome) {
        if (!outcome.ok()) return on_done(outcome.status());
        InferOutputs outputs;
        if (rerank) {
          outputs.tensors.push_back({"scores",
                                     "FP32",
                                     {static_cast<int64_t>(outcome->scores.size())},
                                     {},
                                     outcome->scores});
        } else {
          std::vector<float> flat;
          for (const auto& e : outcome->embeddings) flat.insert(flat.end(), e.begin(), e.end());
          outputs.tensors.push_back(
              {"embedding",
               "FP32",
               {static_cast<int64_t>(outcome->embeddings.size()), outcome->dim},
               {},
               std::move(flat)});
        }
        on_done(std::move(outputs));
      });
}

}  // namespace

ModelSignature model_signature(const ModelInstance& model) {
  ModelSignature s;
  s.platform = std::string("tessera_") + model_kind_name(model.kind());
  switch (model.kind()) {
    case ModelKind::kGenerate:
      s.inputs = {{"text_input", "BYTES", {1}}};
      s.outputs = {{"text_output", "BYTES", {1}}};
      break;
    case ModelKind::kEmbed:
      s.inputs = {{"text", "BYTES", {-1}}};
      s.outputs = {{"embedding", "FP32", {-1, model.embedding_dim()}}};
      break;
    case ModelKind::kRerank:
      s.inputs = {{"query", "BYTES", {1}}, {"documents", "BYTES", {-1}}};
      s.outputs = {{"scores", "FP32", {-1}}};
      break;
  }
  return s;
}

Status check_model_version(const std::string& model, const std::string& version) {
  if (version.empty() || version == kKServeModelVersion) return {};
  return not_found("model '" + model + "' has no version '" + version + "' (only " +
                   kKServeModelVersion + ")");
}

Status start_infer(ModelInstance& model, InferInputs inputs, const CancelHook& on_cancel,
                   int64_t received_ns, InferHandlers handlers) {
  if (!inputs.parameters.is_object()) return invalid_argument("parameters: expected an object");
  if (model.kind() == ModelKind::kGenerate) {
    return start_generate(model, std::move(inputs), on_cancel, received_ns, std::move(handlers));
  }
  return start_encoding(model, std::move(inputs), received_ns, std::move(handlers));
}

Status control_model(Repository& repository, const std::string& name, bool load,
                     std::function<void(Status)> done) {
  auto finish = [done = std::move(done), name](Status outcome) {
    if (!outcome.ok()) {
      return done(invalid_argument("failed to load '" + name + "': " + outcome.message()));
    }
    done(Status());
  };
  return load ? repository.request_load(name, std::move(finish))
              : repository.request_unload(name, std::move(finish));
}

}  // namespace tessera::serve
