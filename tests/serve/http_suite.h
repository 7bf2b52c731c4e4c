// A ServerSuite driven over HTTP: the suite's server's port and GET/POST helpers with JSON bodies.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "serve/http_client.h"
#include "serve/serve_fixture.h"

namespace tessera::testing {

class HttpServerSuite : public ServerSuite {
 protected:
  using Json = nlohmann::json;
  static uint16_t port() { return server_->http_port(); }
  static HttpReply get(const std::string& target) { return http_request(port(), "GET", target); }
  static HttpReply post(const std::string& target, const Json& body) {
    return http_request(port(), "POST", target, body.dump());
  }
  static Json json(const HttpReply& reply) { return Json::parse(reply.body, nullptr, false); }
};

}  // namespace tessera::testing
