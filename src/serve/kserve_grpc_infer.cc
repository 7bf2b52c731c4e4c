// The two gRPC inference calls. Each is a reactor gRPC drives: it starts the request, hands the
// engine's callbacks a way back to the client, cancels the generation when the client cancels
// the call or goes away, and deletes itself in OnDone, which gRPC calls only after Finish, so the
// engine callbacks (which always run, exactly once per request) never outlive it.
#include <deque>
#include <map>
#include <mutex>
#include <optional>

#include "serve/kserve_grpc_calls.h"

namespace tessera::serve {
namespace {

using inference::ModelInferRequest;
using inference::ModelInferResponse;
using inference::ModelStreamInferResponse;

// Triton's decoupled-mode flag: false on each streamed piece, true on a request's last response.
constexpr const char* kFinalResponseParameter = "triton_final_response";
// A client that sets this request parameter gets, as from Triton, every response flagged with
// triton_final_response and an empty last one when the request ends without data to carry;
// other clients get neither (Triton's default).
constexpr const char* kEnableEmptyFinalParameter = "triton_enable_empty_final_response";

class InferCall final : public grpc::ServerUnaryReactor {
 public:
  InferCall(grpc::CallbackServerContext* call, grpc::ByteBuffer* reply)
      : call_(call), reply_(reply) {}

  ModelInferRequest& request() { return request_; }
  ModelInferResponse& response() { return response_; }

  CancelHook on_cancel() {
    return [this](std::function<void()> cancel) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!cancelled_) {
          cancel_ = std::move(cancel);
          return;
        }
      }
      cancel();
    };
  }
  void finish(const Status& status) {
    if (status.ok()) {
      serialize_message(response_, *reply_);
      return Finish(grpc::Status::OK);
    }
    Finish(to_grpc_status(status, *call_));
  }

  void OnCancel() override {
    std::function<void()> cancel;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancelled_ = true;
      cancel = std::move(cancel_);
    }
    if (cancel) cancel();
  }
  void OnDone() override { delete this; }

 private:
  grpc::CallbackServerContext* call_;
  grpc::ByteBuffer* reply_;
  ModelInferRequest request_;
  ModelInferResponse response_;
  std::mutex mutex_;
  bool cancelled_ = false;
  std::function<void()> cancel_;
};

class StreamInferCall final
    : public grpc::ServerBidiReactor<ModelInferRequest, ModelStreamInferResponse> {
 public:
  StreamInferCall(ServeContext& context, grpc::CallbackServerContext* call) : context_(context) {
    if (!grpc_authorized(context, *call)) {
      Finish(unauthenticated());
      return;
    }
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client is done sending (or gone)
      Action action;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        reads_done_ = true;
        action = next_action();
      }
      act(action);
      return;
    }
    auto request = std::make_shared<const ModelInferRequest>(std::move(request_));
    request_.Clear();
    begin(request);
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    Action action;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      writing_ = false;
      if (!ok) {  // the client is gone: nothing more will reach it
        broken_ = true;
        queue_.clear();
      }
      action = next_action();
    }
    act(action);
  }

  void OnCancel() override {
    std::map<uint64_t, std::function<void()>> cancels;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancelled_ = true;
      cancels.swap(cancels_);
    }
    for (auto& [seq, cancel] : cancels) cancel();
  }

  void OnDone() override { delete this; }

 private:
  enum class Action { kNone, kWrite, kFinish };

  static bool wants_final_flags(const ModelInferRequest& request) {
    auto it = request.parameters().find(kEnableEmptyFinalParameter);
    return it != request.parameters().end() && it->second.bool_param();
  }

  static ModelStreamInferResponse response_for(const ModelInferRequest& request,
                                               const InferOutputs& outputs, bool final) {
    ModelStreamInferResponse response;
    ModelInferResponse& infer = *response.mutable_infer_response();
    fill_infer_response(request, outputs, infer);
    if (wants_final_flags(request)) {
      (*infer.mutable_parameters())[kFinalResponseParameter].set_bool_param(final);
    }
    return response;
  }

  // Starts one request of the stream; its responses are queued as they come.
  void begin(const std::shared_ptr<const ModelInferRequest>& request) {
    uint64_t seq = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++pending_;
      seq = next_seq_++;
    }
    InferHandlers handlers;
    handlers.on_piece = [this, request](std::string_view piece) {
      InferOutputs outputs;
      outputs.tensors.push_back({"text_output", "BYTES", {1}, {std::string(piece)}, {}});
      push(response_for(*request, outputs, false), std::nullopt);
    };
    handlers.on_done = [this, request, seq](const Result<InferOutputs>& result) {
      if (!result.ok()) return push(error_for(*request, result.status()), seq);
      // A streamed generation's end carries no tensor: an empty response, sent only on request.
      if (result->tensors.empty() && !wants_final_flags(*request)) return push(std::nullopt, seq);
      push(response_for(*request, *result, true), seq);
    };
    CancelHook on_cancel = [this, seq](std::function<void()> cancel) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!cancelled_) {
          cancels_[seq] = std::move(cancel);
          return;
        }
      }
      cancel();
    };
    Status started = start_grpc_infer(context_, *request, on_cancel, std::move(handlers));
    if (!started.ok()) push(error_for(*request, started), seq);
  }

  static ModelStreamInferResponse error_for(const ModelInferRequest& request,
                                            const Status& status) {
    ModelStreamInferResponse response;
    response.set_error_message(status.message());
    response.mutable_infer_response()->set_model_name(request.model_name());
    response.mutable_infer_response()->set_id(request.id());
    return response;
  }

  // Queues `response` (if any); `done_seq` set: that request has ended.
  void push(std::optional<ModelStreamInferResponse> response, std::optional<uint64_t> done_seq) {
    Action action;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (done_seq) {
        --pending_;
        cancels_.erase(*done_seq);
      }
      if (!broken_ && response) queue_.push_back(std::move(*response));
      action = next_action();
    }
    act(action);
  }

  // Under the lock: what to do next. One write at a time; Finish once nothing can come any more.
  Action next_action() {
    if (writing_ || finished_) return Action::kNone;
    if (!queue_.empty()) {
      writing_ = true;
      current_ = std::move(queue_.front());
      queue_.pop_front();
      return Action::kWrite;
    }
    if (reads_done_ && pending_ == 0) {
      finished_ = true;
      final_status_ = broken_ || cancelled_ ? grpc::Status::CANCELLED : grpc::Status::OK;
      return Action::kFinish;
    }
    return Action::kNone;
  }

  // Outside the lock: gRPC may run a reaction inline. After Finish `this` may be gone.
  void act(Action action) {
    if (action == Action::kWrite) {
      StartWrite(&current_);
    } else if (action == Action::kFinish) {
      const grpc::Status status = final_status_;
      Finish(status);
    }
  }

  ServeContext& context_;
  ModelInferRequest request_;  // the read in progress
  std::mutex mutex_;
  std::deque<ModelStreamInferResponse> queue_;
  ModelStreamInferResponse current_;                   // the write in progress
  std::map<uint64_t, std::function<void()>> cancels_;  // per request still running
  uint64_t next_seq_ = 0;
  int64_t pending_ = 0;  // requests started whose on_done has not run
  bool writing_ = false;
  bool reads_done_ = false;
  bool broken_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
  grpc::Status final_status_;
};

}  // namespace

grpc::ServerUnaryReactor* model_infer_call(ServeContext& context, grpc::CallbackServerContext* call,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) {
  if (!grpc_authorized(context, *call)) {
    grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
    reactor->Finish(unauthenticated());
    return reactor;
  }
  auto* reactor = new InferCall(call, response);
  if (!parse_message(*request, reactor->request())) {
    reactor->finish(invalid_argument("request: not a valid inference.ModelInferRequest message"));
    return reactor;
  }
  InferHandlers handlers;
  handlers.on_done = [reactor](const Result<InferOutputs>& result) {
    if (!result.ok()) return reactor->finish(result.status());
    fill_infer_response(reactor->request(), *result, reactor->response());
    reactor->finish(Status());
  };
  Status started =
      start_grpc_infer(context, reactor->request(), reactor->on_cancel(), std::move(handlers));
  if (!started.ok()) reactor->finish(started);
  return reactor;
}

grpc::ServerBidiReactor<ModelInferRequest, ModelStreamInferResponse>* model_stream_infer_call(
    ServeContext& context, grpc::CallbackServerContext* call) {
  return new StreamInferCall(context, call);
}

}  // namespace tessera::serve
