// GET / : a small HTML page with the device's slices (memory used / quota, compute share and
// seconds, queued steps) and the repository's models (state, reason, queue), for people; tools
// read /metrics and /v2/repository/index instead.
#include <cstdio>

#include "base/byte_size.h"
#include "base/html.h"
#include "serve/serve_context.h"

namespace tessera::serve {
namespace {

using tessera::html_escape;

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string render_page(ServeContext& context) {
  std::string html =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>Tessera</title>"
      "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}</style></head><body>"
      "<h1>Tessera</h1><p>Device <b>" +
      html_escape(context.device.config().device.name()) + "</b>, " +
      std::to_string(context.device.threads()) + " compute threads, policy <b>" +
      policy_name(context.device.scheduler().policy()) + "</b>. Server " +
      (context.ready() ? "ready" : "not ready") +
      ".</p><h2>Slices</h2><table><tr><th>slice</th><th>memory used</th><th>quota</th>"
      "<th>share</th><th>compute s</th><th>queued steps</th></tr>";
  const std::vector<SliceAccount> accounts = context.device.scheduler().accounts();
  for (size_t i = 0; i < context.device.slices().size(); ++i) {
    const Slice& slice = *context.device.slices()[i];
    const SliceAccount* account = i < accounts.size() ? &accounts[i] : nullptr;
    html += "<tr><td>" + html_escape(slice.name()) + "</td><td>" +
            format_bytes(slice.arena().used_bytes()) + "</td><td>" +
            format_bytes(slice.arena().quota_bytes()) + "</td><td>" +
            fixed(slice.spec().share * 100, 1) + "%</td><td>" +
            (account ? fixed(account->compute_seconds(), 2) : "") + "</td><td>" +
            (account ? std::to_string(account->queue_length) : "") + "</td></tr>";
  }
  html +=
      "</table><h2>Models</h2><table><tr><th>model</th><th>kind</th><th>slice</th>"
      "<th>state</th><th>queued</th><th>reason</th></tr>";
  for (const ModelStatus& s : context.repository.index()) {
    Result<std::shared_ptr<ModelInstance>> model = context.repository.get(s.name);
    html += "<tr><td>" + html_escape(s.name) + "</td><td>" +
            (model.ok() ? model_kind_name((*model)->kind()) : "") + "</td><td>" +
            (model.ok() ? html_escape((*model)->config().slice) : "") + "</td><td>" + s.state +
            "</td><td>" + (model.ok() ? std::to_string((*model)->queued()) : "") + "</td><td>" +
            html_escape(s.reason) + "</td></tr>";
  }
  return html +
         "</table><p>APIs: KServe v2 under <code>/v2</code>, OpenAI under <code>/v1</code>; "
         "Prometheus metrics on the metrics port at <code>/metrics</code>.</p></body></html>";
}

}  // namespace

bool handle_status_page(ServeContext& context, const HttpRequest& request,
                        const std::shared_ptr<Responder>& responder) {
  if (request.path != "/" || request.method != "GET") return false;
  HttpResponse response;
  response.content_type = "text/html; charset=utf-8";
  response.body = render_page(context);
  responder->send(std::move(response));
  return true;
}

}  // namespace tessera::serve
