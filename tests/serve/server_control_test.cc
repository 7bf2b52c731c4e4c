// The server's modes: an API key on every endpoint but health, explicit model control (load and
// unload over HTTP), and `tessera serve` itself exiting 0 on SIGTERM after finishing a request.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "serve/http_client.h"
#include "serve/serve_fixture.h"
#include "serve/server.h"
#include "testing/command.h"

namespace tessera::serve {
namespace {

using testing::http_request;
using Json = nlohmann::json;

TEST(ServerControlTest, ApiKeyGuardsEverythingButHealth) {
  testing::TempDir dir;
  testing::write_test_repository(dir.path());
  ServerOptions options;
  options.api_key = "sekret";
  std::unique_ptr<Server> server = testing::start_server(dir.path(), options);
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->http_port();
  EXPECT_EQ(http_request(port, "GET", "/v2/health/live").status, 200);
  EXPECT_EQ(http_request(port, "GET", "/v2/health/ready").status, 200);
  const testing::HttpReply denied = http_request(port, "GET", "/v1/models");
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(Json::parse(denied.body)["error"]["type"], "authentication_error");
  EXPECT_EQ(
      http_request(port, "GET", "/v2/models/chat", "", {{"Authorization", "Bearer wrong"}}).status,
      401);
  EXPECT_EQ(http_request(port, "GET", "/", "").status, 401);
  EXPECT_EQ(
      http_request(port, "GET", "/v1/models", "", {{"Authorization", "Bearer sekret"}}).status,
      200);
  EXPECT_EQ(http_request(port, "GET", "/v2/models/chat", "", {{"x-api-key", "sekret"}}).status,
            200);
}

TEST(ServerControlTest, ExplicitModeLoadsAndUnloadsOnRequest) {
  testing::TempDir dir;
  testing::write_test_repository(dir.path());
  ServerOptions options;
  options.control_mode = ControlMode::kExplicit;
  options.load_models = {"embed"};
  std::unique_ptr<Server> server = testing::start_server(dir.path(), options);
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->http_port();
  const Json infer = {
      {"inputs",
       {{{"name", "text_input"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"x"}}}}},
      {"parameters", {{"max_tokens", 2}}}};
  // Not loaded yet: 503.
  EXPECT_EQ(http_request(port, "POST", "/v2/models/chat/infer", infer.dump()).status, 503);
  EXPECT_EQ(http_request(port, "GET", "/v2/models/chat/ready").status, 503);
  EXPECT_EQ(http_request(port, "GET", "/v2/models/embed/ready").status, 200);

  EXPECT_EQ(http_request(port, "POST", "/v2/repository/models/chat/load", "{}").status, 200);
  EXPECT_EQ(http_request(port, "POST", "/v2/models/chat/infer", infer.dump()).status, 200);
  EXPECT_EQ(http_request(port, "POST", "/v2/repository/models/nosuch/load", "{}").status, 404);
  const testing::HttpReply failed =
      http_request(port, "POST", "/v2/repository/models/toobig/load", "{}");
  EXPECT_EQ(failed.status, 400) << failed.body;
  EXPECT_NE(failed.body.find("does not fit"), std::string::npos);

  Slice* chat = server->device().slice("chat");
  const uint64_t loaded = chat->arena().used_bytes();
  EXPECT_GT(loaded, 0u);
  EXPECT_EQ(http_request(port, "POST", "/v2/repository/models/chat/unload", "{}").status, 200);
  EXPECT_EQ(chat->arena().used_bytes(), 0u);
  EXPECT_EQ(http_request(port, "POST", "/v2/models/chat/infer", infer.dump()).status, 503);
}

TEST(ServerControlTest, ServeExitsZeroOnSigtermAfterFinishingInFlightWork) {
  testing::TempDir dir;
  testing::write_test_repository(dir.path());
  const std::string out_path = dir.file("stdout.txt");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string repository = "--repository=" + dir.path();
    freopen(out_path.c_str(), "w", stdout);
    freopen(dir.file("stderr.txt").c_str(), "w", stderr);
    execl(TESSERA_BINARY, TESSERA_BINARY, "serve", repository.c_str(), "--http-port=0",
          "--grpc-port=0", "--metrics-port=0", static_cast<char*>(nullptr));
    _exit(127);
  }
  uint16_t port = 0;
  // Plain string search: GCC 12 warns inside <regex> under -O2 with the sanitizers.
  const std::string listening = "listening on http://127.0.0.1:";
  for (int i = 0; i < 600 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(out_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t at = text.find(listening);
    if (at == std::string::npos) continue;
    const size_t digits = at + listening.size();
    const size_t end = text.find_first_not_of("0123456789", digits);
    if (end != std::string::npos && end > digits) {
      port = static_cast<uint16_t>(std::stoi(text.substr(digits, end - digits)));
    }
  }
  ASSERT_NE(port, 0) << "the server did not start";
  // A stream that has begun is in flight for sure; SIGTERM must let it finish.
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  const std::string body = Json{
      {"model", "chat"},
      {"prompt", "x"},
      {"max_tokens", 300},
      {"ignore_eos", true},
      {"stream", true}}.dump();
  const std::string request =
      "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  boost::asio::write(socket, boost::asio::buffer(request));
  std::string received;
  char buffer[4096];
  boost::system::error_code ec;
  while (received.find("data: ") == std::string::npos && !ec) {
    received.append(buffer, socket.read_some(boost::asio::buffer(buffer), ec));
  }
  kill(pid, SIGTERM);
  while (!ec) received.append(buffer, socket.read_some(boost::asio::buffer(buffer), ec));
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(received.find("\"completion_tokens\":300"), std::string::npos) << received;
  EXPECT_NE(received.find("data: [DONE]"), std::string::npos);
}

}  // namespace
}  // namespace tessera::serve
