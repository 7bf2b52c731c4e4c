// Requests that end before reaching a model's queue — malformed, unknown model, model not ready,
// queue full — are counted here, by the frontend that refused them, so tessera_requests_total and
// /stats see every request a client sent, not only the ones an engine took. What an engine took
// is counted when it finishes (generation_call.cc, encode_call.cc).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "serve/metrics.h"
#include "serve/repository.h"

namespace tessera::serve {

// Counts one refused inference request for `model` (as the client named it) with the outcome
// `status` maps to. The model label is the name only when the repository lists that model, so a
// client cannot grow the label set with made-up names; others count under model="".
void count_refused(Repository& repository, Metrics& metrics, const std::string& model,
                   const Status& status, int64_t received_ns);

}  // namespace tessera::serve
