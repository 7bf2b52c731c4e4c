// What both frontends do to run one embed or rerank request: submit it to the model's encode
// engine and count it in the metrics when it ends. As with generation, the callback runs on the
// engine thread and reaches the client through the Responder.
#pragma once

#include <functional>

#include "base/status.h"
#include "runtime/encode_engine.h"
#include "serve/model_instance.h"

namespace tessera::serve {

// A submit error is returned (the frontend counts it, see refused_requests.h); otherwise `on_done`
// runs exactly once.
Status start_encode(ModelInstance& model, EncodeRequest request, int64_t received_ns,
                    std::function<void(const Result<EncodeOutcome>&)> on_done);

}  // namespace tessera::serve
