// KServe v2 over HTTP/JSON: health, server and model metadata, readiness, inference with BYTES
// and FP32 tensors, the repository extension (index, load, unload) and statistics. Protocol
// translation only: models run in their engines.
#include "serve/api_errors.h"
#include "serve/json_fields.h"
#include "serve/kserve_infer.h"
#include "serve/refused_requests.h"
#include "serve/serve_context.h"
#include "serve/triton_model_config.h"

namespace tessera::serve {
namespace {

constexpr const char* kVersion = kKServeModelVersion;

void send_json(const std::shared_ptr<Responder>& responder, int status, const Json& body) {
  responder->send(json_response(status, dump_json(body)));
}

void send_error(const std::shared_ptr<Responder>& responder, const Status& status) {
  responder->send(error_response(status, ErrorStyle::kKServe));
}

Json tensor_specs(const std::vector<TensorSpec>& specs) {
  Json out = Json::array();
  for (const TensorSpec& s : specs) {
    out.push_back({{"name", s.name}, {"datatype", s.datatype}, {"shape", s.shape}});
  }
  return out;
}

Json model_metadata(const ModelInstance& model) {
  const ModelSignature signature = model_signature(model);
  return {{"name", model.config().name},
          {"versions", {kVersion}},
          {"platform", signature.platform},
          {"inputs", tensor_specs(signature.inputs)},
          {"outputs", tensor_specs(signature.outputs)}};
}

Status infer(const std::shared_ptr<ModelInstance>& model, const HttpRequest& request,
             const std::shared_ptr<Responder>& responder) {
  TESSERA_ASSIGN_OR_RETURN(Json body, parse_json_object(request.body));
  InferInputs inputs;
  if (body.contains("parameters")) inputs.parameters = body["parameters"];
  TESSERA_ASSIGN_OR_RETURN(inputs.tensors, parse_json_inputs(body));
  // `id` echoes the request's id (a string), when it had one.
  const Json id = body.contains("id") ? body["id"] : Json();
  InferHandlers handlers;
  handlers.on_done = [responder, name = model->config().name,
                      id](const Result<InferOutputs>& result) {
    if (!result.ok()) return send_error(responder, result.status());
    Json outputs = Json::array();
    for (const OutputTensor& t : result->tensors) outputs.push_back(output_json(t));
    Json reply = {{"model_name", name}, {"model_version", kVersion}, {"outputs", outputs}};
    if (id.is_string()) reply["id"] = id;
    if (!result->parameters.empty()) reply["parameters"] = result->parameters;
    send_json(responder, 200, reply);
  };
  return start_infer(*model, std::move(inputs), on_disconnect_of(responder), request.received_ns,
                     std::move(handlers));
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
    auto done = [responder](Status outcome) {
      if (!outcome.ok()) return send_error(responder, outcome);
      send_json(responder, 200, Json::object());
    };
    Status queued = control_model(context.repository, parts[3], parts[4] == "load", done);
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
              {{"name", kKServeServerName},
               {"version", kKServeServerVersion},
               {"extensions", kKServeExtensions}});
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
  // /v2/models/{m}[/versions/{v}][/ready|/infer|/stats|/config]
  const std::string name = parts[2];
  size_t rest = 3;
  if (parts.size() >= 5 && parts[3] == "versions") {
    if (Status s = check_model_version(name, parts[4]); !s.ok()) {
      send_error(responder, s);
      return true;
    }
    rest = 5;
  }
  const std::string action = parts.size() > rest ? parts[rest] : "";
  if (parts.size() > rest + 1 ||
      (action.empty()      ? !get
       : action == "infer" ? !post
                           : !get) ||
      (action != "" && action != "ready" && action != "infer" && action != "stats" &&
       action != "config")) {
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
    if (action == "infer") {
      count_refused(context.repository, context.metrics, name, model.status(), request.received_ns);
    }
    send_error(responder, model.status());
    return true;
  }
  if (action.empty()) {
    send_json(responder, 200, model_metadata(**model));
  } else if (action == "config") {
    send_json(responder, 200, triton_model_config(**model));
  } else if (action == "stats") {
    send_json(responder, 200, {{"model_stats", {model_stats(**model)}}});
  } else if (Status s = infer(*model, request, responder); !s.ok()) {
    count_refused(context.repository, context.metrics, name, s, request.received_ns);
    send_error(responder, s);
  }
  return true;
}

}  // namespace tessera::serve
