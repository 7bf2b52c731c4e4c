// The two wire protocols the load generator speaks, with only standard request bodies so it can
// measure any server: OpenAI (/v1/chat/completions, /v1/completions, /v1/embeddings, /v1/rerank
// as Cohere/Jina/vLLM shape it) and KServe v2 (/v2/models/M/infer with BYTES tensors named
// text_input | text | query + documents, as Triton's and Tessera's text models take them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "bench/workload.h"

namespace tessera::bench {

enum class Api { kOpenAI, kKServe };
enum class Endpoint { kChat, kCompletions, kEmbeddings, kRerank, kInfer };

struct ApiTarget {
  Api api = Api::kOpenAI;
  Endpoint endpoint = Endpoint::kChat;
  Shape infer_shape = Shape::kGenerate;  // kserve infer: what the model is (--kind)
  std::string model;
  std::string base_path;  // from the URL, without a trailing slash
  bool stream = false;    // chat / completions only
};

Result<ApiTarget> make_target(const std::string& api, const std::string& endpoint,
                              const std::string& kind, bool stream);

// The payload shape the target needs (which dataset fields apply).
Shape target_shape(const ApiTarget& target);

struct HttpCall {
  std::string path;
  std::string body;
};
HttpCall build_call(const ApiTarget& target, const WorkItem& item);

// Why a request failed, as the report counts them.
enum class ErrorKind { kNone, kHttp429, kHttp4xx, kHttp5xx, kConnect, kTimeout, kMalformed };
const char* error_kind_name(ErrorKind kind);
inline constexpr int kErrorKinds = 7;

// What one response says, once the body is complete. For streams, `event_times_s` holds the
// arrival time of each Server-Sent Event (same order as the events in `body`).
struct Interpreted {
  ErrorKind error = ErrorKind::kNone;
  int64_t output_tokens = 0;
  std::vector<double> token_times_s;  // streams: arrival of each event that carried text
};
Interpreted interpret_response(const ApiTarget& target, int http_status, const std::string& body,
                               const std::vector<double>& event_times_s);

// Complete `data:` payloads of a Server-Sent Events body, from byte `offset` on; advances it
// past the last complete event.
std::vector<std::string> take_sse_events(const std::string& body, size_t& offset);

}  // namespace tessera::bench
