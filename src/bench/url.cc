#include "bench/url.h"

#include <cctype>

namespace tessera::bench {

Result<Url> parse_url(const std::string& text, const std::string& flag) {
  const std::string scheme = "http://";
  auto bad = [&](const std::string& why) {
    return invalid_argument(flag + ": '" + text + "': " + why);
  };
  if (text.rfind("https://", 0) == 0) return bad("https is not supported (plain http only)");
  if (text.rfind(scheme, 0) != 0) return bad("expected http://host[:port][/path]");
  std::string rest = text.substr(scheme.size());
  Url url;
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    url.path = rest.substr(slash);
    rest.resize(slash);
    while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
  }
  const size_t colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']') == std::string::npos) {
    url.port = rest.substr(colon + 1);
    rest.resize(colon);
    if (url.port.empty() || url.port.size() > 5) return bad("bad port");
    for (char c : url.port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad("bad port");
    }
    if (std::stoi(url.port) < 1 || std::stoi(url.port) > 65535) return bad("port out of range");
  }
  if (rest.empty()) return bad("no host");
  for (char c : rest) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '@' || c == '?' || c == '#') {
      return bad("bad host");
    }
  }
  url.host = rest;
  return url;
}

}  // namespace tessera::bench
