#include "bench/scrape.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <sstream>

namespace tessera::bench {

MetricSamples parse_prometheus_text(const std::string& text) {
  MetricSamples out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    // The value follows the series: after the closing brace when there are labels (label values
    // may contain spaces), else after the name.
    const size_t brace = line.rfind('}');
    const size_t space = line.find(' ', brace == std::string::npos ? 0 : brace);
    if (space == std::string::npos) continue;
    try {
      out[line.substr(0, space)] = std::stod(line.substr(space + 1));
    } catch (const std::exception&) {
      // NaN/Inf spellings stod rejects, or garbage: not a sample we can use.
    }
  }
  return out;
}

double sum_family(const MetricSamples& samples, const std::string& family,
                  const std::string& label_filter) {
  double total = 0;
  for (auto it = samples.lower_bound(family); it != samples.end(); ++it) {
    const std::string& series = it->first;
    if (series.compare(0, family.size(), family) != 0) break;
    const bool exact = series.size() == family.size();
    if (!exact && series[family.size()] != '{') continue;
    if (!label_filter.empty() && series.find(label_filter) == std::string::npos) continue;
    total += it->second;
  }
  return total;
}

Result<std::string> http_get(const Url& url, double timeout_s) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  boost::asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url.host, url.port, ec);
  const std::string where = "http://" + url.host + ":" + url.port + url.path;
  if (ec) return unavailable(where + ": cannot resolve: " + ec.message());
  stream.expires_after(std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000)));
  stream.connect(endpoints, ec);
  if (ec) return unavailable(where + ": cannot connect: " + ec.message());
  http::request<http::empty_body> request{http::verb::get, url.path.empty() ? "/" : url.path, 11};
  request.set(http::field::host, url.host);
  http::write(stream, request, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  if (!ec) http::read(stream, buffer, response, ec);
  if (ec) return unavailable(where + ": " + ec.message());
  if (response.result_int() != 200) {
    return unavailable(where + ": HTTP " + std::to_string(response.result_int()));
  }
  return std::move(response.body());
}

Result<MetricSamples> scrape(const Url& url, double timeout_s) {
  TESSERA_ASSIGN_OR_RETURN(std::string text, http_get(url, timeout_s));
  return parse_prometheus_text(text);
}

}  // namespace tessera::bench
