// What the engines report as they work, for the serving layer's metrics. The runtime knows nothing
// about Prometheus: the server implements this interface; tests and tools may pass none. Calls come
// from engine threads and must be cheap and thread-safe.
#pragma once

#include <cstdint>

namespace tessera {

class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  // One step ran: `sequences` requests (texts for encoders) and `tokens` tokens in one batch.
  virtual void on_step(int64_t sequences, int64_t tokens, double compute_seconds) = 0;
  // A request left the queue and began computing after waiting `seconds`.
  virtual void on_admitted(double queue_seconds) = 0;
  // Generation: the first token of a request, `seconds` after it was submitted.
  virtual void on_first_token(double seconds) = 0;
  // Generation: the gap between two consecutive tokens of one request.
  virtual void on_token_gap(double seconds) = 0;
};

}  // namespace tessera
