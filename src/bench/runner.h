// Runs one load level against a server: closed loop (a fixed number of callers, each sending its
// next request when the previous one ends) or open loop (requests sent at the instants of a
// schedule computed beforehand). One single-threaded Boost.Asio event loop drives every
// connection, so a slow response never delays the dispatch of the next scheduled request; each
// in-flight request has its own keep-alive connection, reused once it is done.
//
// Open loop avoids coordinated omission: latency runs from the request's *intended* send time,
// and when the in-flight cap is reached a request is recorded as dropped instead of waiting.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/api.h"
#include "bench/url.h"

namespace tessera::bench {

struct Sample {
  double intended_s = 0;      // from the level's start: when the request was meant to go
  double sent_s = 0;          // when it was handed to the connection (lag = sent - intended)
  double end_s = 0;           // last byte (or the error)
  double latency_s = 0;       // open loop: end - intended; closed loop: end - sent
  double ttft_s = -1;         // streams: first text chunk, from the same origin as latency_s
  std::vector<double> itl_s;  // streams: gaps between text chunks
  int64_t output_tokens = 0;
  ErrorKind error = ErrorKind::kNone;
  bool dropped = false;  // open loop: the in-flight cap was hit, never sent
};

struct LevelPlan {
  bool open_loop = false;
  int64_t concurrency = 1;       // closed loop
  std::vector<double> schedule;  // open loop: intended send offsets (seconds)
  int64_t requests = 0;          // closed loop: stop after this many (0: use duration)
  double duration_s = 10;        // closed loop: stop sending after this long
};

struct RunOptions {
  double timeout_s = 60;  // per request, connect to last byte
  int64_t max_in_flight = 1024;
  std::string api_key;
  // Called from the event loop about 5 times a second: (finished, expected total or -1).
  std::function<void(int64_t, int64_t)> progress;
};

// Request i of this level (i counts from 0 in dispatch order).
using CallSource = std::function<HttpCall(int64_t index)>;

struct LevelSamples {
  std::vector<Sample> samples;  // in completion order
  double wall_s = 0;            // level start to the last completion
};

LevelSamples run_level(const Url& url, const ApiTarget& target, const CallSource& calls,
                       const LevelPlan& plan, const RunOptions& options);

}  // namespace tessera::bench
