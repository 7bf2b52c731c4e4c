#include "serve/refused_requests.h"

#include "base/clock.h"
#include "serve/api_errors.h"
#include "serve/serve_metrics.h"

namespace tessera::serve {

void count_refused(Repository& repository, Metrics& metrics, const std::string& model,
                   const Status& status, int64_t received_ns) {
  const double seconds = static_cast<double>(SteadyClock().now_ns() - received_ns) / kNsPerSecond;
  if (Result<std::shared_ptr<ModelInstance>> ready = repository.get(model); ready.ok()) {
    (*ready)->observer().on_request(outcome_for(status), seconds);
    return;
  }
  bool listed = false;
  for (const ModelStatus& s : repository.index()) listed = listed || s.name == model;
  metrics.add(kRequestsTotal, {{"model", listed ? model : ""}, {"outcome", outcome_for(status)}});
}

}  // namespace tessera::serve
