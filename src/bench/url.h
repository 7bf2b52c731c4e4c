// http://host[:port][/base] as the load generator and the metrics scraper take it. Plain HTTP only:
// put a TLS-terminating proxy in front for https servers.
#pragma once

#include <string>

#include "base/status.h"

namespace tessera::bench {

struct Url {
  std::string host;
  std::string port = "80";
  std::string path;  // "" or "/base" (no trailing slash)
};

Result<Url> parse_url(const std::string& text, const std::string& flag);

}  // namespace tessera::bench
