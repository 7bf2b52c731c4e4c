#include "serve/encode_call.h"

#include "base/clock.h"
#include "serve/api_errors.h"

namespace tessera::serve {

Status start_encode(ModelInstance& model, EncodeRequest request, int64_t received_ns,
                    std::function<void(const Result<EncodeOutcome>&)> on_done) {
  ModelObserver* observer = &model.observer();
  auto seconds = [received_ns] {
    return static_cast<double>(SteadyClock().now_ns() - received_ns) / kNsPerSecond;
  };
  EncodeEngine* engine = model.encoder();
  Status submitted;
  if (engine == nullptr) {
    submitted = invalid_argument("model: '" + model.config().name + "' is a " +
                                 model_kind_name(model.kind()) + " model; it does not " +
                                 (request.rerank ? "rerank" : "embed"));
  } else {
    submitted = engine->submit(
        std::move(request),
        [observer, seconds, on_done = std::move(on_done)](Result<EncodeOutcome> outcome) {
          if (outcome.ok()) {
            observer->on_request("success", seconds(), outcome->tokens);
          } else {
            observer->on_request(outcome_for(outcome.status()), seconds());
          }
          on_done(outcome);
        });
  }
  return submitted;  // a refusal is counted by the frontend (refused_requests.h)
}

}  // namespace tessera::serve
