// KServe v2 over HTTP/JSON: health, server and model metadata, readiness, inference with BYTES
// and FP32 tensors, the repository extension (index, load, unload) and statistics. Protocol
// translation only: models run in their engines.
#include "serve/api_errors.h"
#include "serve/encode_call.h"
#include "serve/generation_call.h"
#include "serve/json_fields.h"
#include "serve/kserve_tensors.h"
#include "serve/serve_context.h"

namespace tessera::serve {
namespace {

constexpr const char* kVersion = "1";  // every model has one version
constexpr int32_t kDefaultInferMaxTokens = 64;

void send_json(const std::shared_ptr<Responder>& responder, int status, const Json& body) {
  responder->send(json_response(status, dump_json(body)));
}

void send_error(const std::shared_ptr<Responder>& responder, const Status& status) {
  responder->send(error_response(status, ErrorStyle::kKServe));
}

Json tensor_spec(const std::string& name, const std::string& datatype, std::vector<int64_t> shape) {
  return {{"name", name}, {"datatype", datatype}, {"shape", shape}};
}

Json model_metadata(ModelInstance& model) {
  Json inputs, outputs;
  switch (model.kind()) {
    case ModelKind::kGenerate:
      inputs = {tensor_spec("text_input", "BYTES", {1})};
      outputs = {tensor_spec("text_output", "BYTES", {1})};
      break;
    case ModelKind::kEmbed:
      inputs = {tensor_spec("text", "BYTES", {-1})};
      outputs = {tensor_spec("embedding", "FP32", {-1, model.embedding_dim()})};
      break;
    case ModelKind::kRerank:
      inputs = {tensor_spec("query", "BYTES", {1}), tensor_spec("documents", "BYTES", {-1})};
      outputs = {tensor_spec("scores", "FP32", {-1})};
      break;
  }
  return {{"name", model.config().name},
          {"versions", {kVersion}},
          {"platform", std::string("tessera_") + model_kind_name(model.kind())},
          {"inputs", inputs},
          {"outputs", outputs}};
}

// `id` echoes the request's id (a string), when it had one.
Json infer_reply(const ModelInstance& model, const Json& id, Json outputs) {
  Json reply = {{"model_name", model.config().name},
                {"model_version", kVersion},
                {"outputs", std::move(outputs)}};
  if (id.is_string()) reply["id"] = id;
  return reply;
}

Status infer(const std::shared_ptr<ModelInstance>& model, const HttpRequest& request,
             const std::shared_ptr<Responder>& responder) {
  TESSERA_ASSIGN_OR_RETURN(Json body, parse_json_object(request.body));
  const Json no_parameters = Json::object();
  const Json& parameters = body.contains("parameters") ? body["parameters"] : no_parameters;
  if (!parameters.is_object()) return invalid_argument("parameters: expected an object");
  const ModelInstance* m = model.get();
  const Json id = body.contains("id") ? body["id"] : Json();
  if (model->kind() == ModelKind::kGenerate) {
    TESSERA_ASSIGN_OR_RETURN(auto inputs, parse_bytes_inputs(body, {"text_input"}));
    const BytesTensor& text = inputs["text_input"];
    if (text.data.size() != 1) {
      return invalid_argument("inputs[0].shape: one prompt per request, got " +
                              std::to_string(text.data.size()));
    }
    TESSERA_ASSIGN_OR_RETURN(GenerateRequest generate,
                             generate_request_from_json(parameters, kDefaultInferMaxTokens));
    generate.prompt = tokenize_prompt(*model, text.data[0], false);
    GenerationHandlers handlers;
    handlers.on_done = [responder, m, id](const Result<GenerateResult>& result) {
      if (!result.ok()) return send_error(responder, result.status());
      Json reply = infer_reply(*m, id, Json::array({bytes_output("text_output", {result->text})}));
      reply["parameters"] = {{"finish_reason", result->finish_reason},
                             {"completion_tokens", result->tokens.size()}};
      send_json(responder, 200, reply);
    };
    return start_generation(*model, std::move(generate), responder, request.received_ns,
                            std::move(handlers));
  }
  EncodeRequest encode;
  encode.rerank = model->kind() == ModelKind::kRerank;
  if (encode.rerank) {
    TESSERA_ASSIGN_OR_RETURN(auto inputs, parse_bytes_inputs(body, {"query", "documents"}));
    if (inputs["query"].data.size() != 1) {
      return invalid_argument("inputs: 'query' must hold exactly one string");
    }
    encode.query = inputs["query"].data[0];
    encode.texts = std::move(inputs["documents"].data);
  } else {
    TESSERA_ASSIGN_OR_RETURN(auto inputs, parse_bytes_inputs(body, {"text"}));
    encode.texts = std::move(inputs["text"].data);
  }
  return start_encode(
      *model, std::move(encode), request.received_ns,
      [responder, m, id](const Result<EncodeOutcome>& outcome) {
        if (!outcome.ok()) return send_error(responder, outcome.status());
        Json output;
        if (m->kind() == ModelKind::kRerank) {
          output = fp32_output("scores", {static_cast<int64_t>(outcome->scores.size())},
                               outcome->scores);
        } else {
          std::vector<float> flat;
          for (const auto& e : outcome->embeddings) {
            flat.insert(flat.end(), e.begin(), e.end());
          }
          output = fp32_output(
              "embedding", {static_cast<int64_t>(outcome->embeddings.size()), outcome->dim}, flat);
        }
        send_json(responder, 200, infer_reply(*m, id, Json::array({output})));
      });
}

Json model_stats(const ModelInstance& model) {
  const ModelStats& s = model.observer().stats();
  auto pair = [](const std::atomic<uint64_t>& count, const std::atomic<uint64_t>& ns) {
    return Json{{"count", count.load()}, {"ns", ns.load()}};
  };
  return {{"name", model.config().name},
          {"version", kVersion},
          {"last_inference", s.last_inference_ms.load()},
          {"inference_count", s.inference_count.load()},
          {"execution_count", s.execution_count.load()},
          {"inference_stats",
           {{"success", pair(s.success_count, s.success_ns)},
            {"fail", pair(s.fail_count, s.fail_ns)},
            {"queue", pair(s.queue_count, s.queue_ns)},
            {"compute_infer", pair(s.compute_count, s.compute_ns)}}}};
}

// /v2/repository/index and /v2/repository/models/{m}/load|unload.
void repository_request(ServeContext& context, const std::vector<std::string>& parts,
                        const std::shared_ptr<Responder>& responder) {
  if (parts.size() == 3 && parts[2] == "index") {
    Json index = Json::array();
    for (const ModelStatus& s : context.repository.index()) {
      Json entry = {{"name", s.name}, {"version", s.version}, {"state", s.state}};
      if (!s.reason.empty()) entry["reason"] = s.reason;
      index.push_back(entry);
    }
    return send_json(responder, 200, index);
  }
  if (parts.size() == 5 && parts[2] == "models" && (parts[4] == "load" || parts[4] == "unload")) {
    auto done = [responder, name = parts[3]](Status outcome) {
      // A model that does not load is the request's problem to fix (its config, its slice), as
      // Triton answers: 400 with the reason.
      if (!outcome.ok()) {
        return send_error(responder,
                          invalid_argument("failed to load '" + name + "': " + outcome.message()));
      }
      send_json(responder, 200, Json::object());
    };
    Status queued = parts[4] == "load" ? context.repository.request_load(parts[3], done)
                                       : context.repository.request_unload(parts[3], done);
    if (!queued.ok()) send_error(responder, queued);
    return;
  }
  send_error(responder, not_found("no such repository endpoint"));
}

}  // namespace

bool handle_kserve(ServeContext& context, const HttpRequest& request,
                   const std::shared_ptr<Responder>& responder) {
  std::vector<std::string> parts = split_path(request.path);
  if (parts.empty() || parts[0] != "v2") return false;
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (parts.size() == 1 && get) {
    send_json(responder, 200,
              {{"name", "tessera"},
               {"version", "0.1.0"},
               {"extensions", {"model_repository", "statistics"}}});
    return true;
  }
  if (parts.size() == 3 && parts[1] == "health" && get) {
    if (parts[2] == "live") {
      send_json(responder, 200, {{"live", true}});
      return true;
    }
    if (parts[2] == "ready") {
      const bool ready = context.ready();
      send_json(responder, ready ? 200 : 503, {{"ready", ready}});
      return true;
    }
  }
  if (parts.size() >= 2 && parts[1] == "repository" && post) {
    repository_request(context, parts, responder);
    return true;
  }
  if (parts.size() == 3 && parts[1] == "models" && parts[2] == "stats" && get) {
    Json stats = Json::array();
    for (const ModelStatus& s : context.repository.index()) {
      Result<std::shared_ptr<ModelInstance>> model = context.repository.get(s.name);
      if (model.ok()) stats.push_back(model_stats(**model));
    }
    send_json(responder, 200, {{"model_stats", stats}});
    return true;
  }
  if (parts.size() < 3 || parts[1] != "models") return false;
  // /v2/models/{m}[/versions/{v}][/ready|/infer|/stats]
  const std::string name = parts[2];
  size_t rest = 3;
  if (parts.size() >= 5 && parts[3] == "versions") {
    if (parts[4] != kVersion) {
      send_error(responder, not_found("model '" + name + "' has no version '" + parts[4] +
                                      "' (only " + kVersion + ")"));
      return true;
    }
    rest = 5;
  }
  const std::string action = parts.size() > rest ? parts[rest] : "";
  if (parts.size() > rest + 1 ||
      (action.empty()      ? !get
       : action == "infer" ? !post
                           : !get) ||
      (action != "" && action != "ready" && action != "infer" && action != "stats")) {
    send_error(responder, not_found(request.method + " " + request.path + ": no such endpoint"));
    return true;
  }
  Result<std::shared_ptr<ModelInstance>> model = context.repository.get(name);
  if (action == "ready") {
    const bool ready = model.ok();
    if (!ready && model.status().code() == StatusCode::kNotFound) {
      send_error(responder, model.status());
    } else {
      send_json(responder, ready ? 200 : 503, {{"name", name}, {"ready", ready}});
    }
    return true;
  }
  if (!model.ok()) {
    send_error(responder, model.status());
    return true;
  }
  if (action.empty()) {
    send_json(responder, 200, model_metadata(**model));
  } else if (action == "stats") {
    send_json(responder, 200, {{"model_stats", {model_stats(**model)}}});
  } else if (Status s = infer(*model, request, responder); !s.ok()) {
    send_error(responder, s);
  }
  return true;
}

}  // namespace tessera::serve
