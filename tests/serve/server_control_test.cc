// The server's modes: an API key on every endpoint but health, explicit model control (load and
// unload over HTTP), poll mode (following changes to the repository), and `tessera serve` itself
// exiting 0 on SIGTERM after finishing a request.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
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
  std::unique_ptr<Server> server = testing::start_explicit_mode_server(dir.path());
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

std::string state_of(Repository& repository, const std::string& name) {
  for (const ModelStatus& s : repository.index()) {
    if (s.name == name) return s.state;
  }
  return "ABSENT";
}

std::unique_ptr<Server> start_polling(const std::string& dir, double interval_seconds) {
  testing::write_test_repository(dir);
  ServerOptions options;
  options.control_mode = ControlMode::kPoll;
  options.poll_interval_seconds = interval_seconds;
  return testing::start_server(dir, options);
}

TEST(ServerControlTest, PollModeFollowsChangesToTheRepository) {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  // No poll thread: the test calls poll() itself.
  std::unique_ptr<Server> server = start_polling(dir.path(), 0);
  ASSERT_NE(server, nullptr);
  Repository& repository = server->repository();
  const uint16_t port = server->http_port();
  EXPECT_EQ(state_of(repository, "chat"), "READY");
  EXPECT_EQ(state_of(repository, "broken"), "UNAVAILABLE");
  EXPECT_EQ(http_request(port, "POST", "/v2/repository/models/chat/unload", "{}").status, 400);

  // Nothing changed: nothing reloads.
  Result<std::shared_ptr<ModelInstance>> before = repository.get("chat");
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(repository.poll().ok());
  repository.wait_idle();
  EXPECT_EQ(repository.get("chat")->get(), before->get());

  // A fixed config and a removed folder: the reranker's memory goes back to its slice.
  const fs::path root(dir.path());
  testing::write_text(root / "broken" / "model.yaml",
                      "kind: generate\nfile: ../chat/model.gguf\nslice: chat\ncontext: 256\n"
                      "max_sequences: 1\n");
  Slice* encode = server->device().slice("encode");
  const uint64_t with_reranker = encode->arena().used_bytes();
  fs::remove_all(root / "rerank");
  ASSERT_TRUE(repository.poll().ok());
  repository.wait_idle();
  EXPECT_EQ(state_of(repository, "broken"), "READY");
  EXPECT_EQ(state_of(repository, "rerank"), "ABSENT");
  EXPECT_EQ(http_request(port, "GET", "/v2/models/rerank/ready").status, 404);
  const uint64_t without_reranker = encode->arena().used_bytes();
  EXPECT_LT(without_reranker, with_reranker);

  // A new folder is loaded and charged to its slice.
  fs::create_directories(root / "embed2");
  fs::copy_file(root / "embed" / "model.gguf", root / "embed2" / "model.gguf");
  fs::copy_file(root / "embed" / "model.yaml", root / "embed2" / "model.yaml");
  ASSERT_TRUE(repository.poll().ok());
  repository.wait_idle();
  EXPECT_EQ(state_of(repository, "embed2"), "READY");
  EXPECT_EQ(http_request(port, "GET", "/v2/models/embed2/ready").status, 200);
  EXPECT_GT(encode->arena().used_bytes(), without_reranker);

  // A changed file reloads the model: a new instance with the new config.
  testing::write_text(root / "chat" / "model.yaml",
                      "kind: generate\nfile: model.gguf\nslice: chat\nmax_sequences: 2\n");
  ASSERT_TRUE(repository.poll().ok());
  repository.wait_idle();
  Result<std::shared_ptr<ModelInstance>> after = repository.get("chat");
  ASSERT_TRUE(after.ok()) << after.status().to_string();
  EXPECT_NE(after->get(), before->get());
  EXPECT_EQ((*after)->config().max_sequences, 2);

  // A reload that fails leaves the model unavailable with the reason, until the next change.
  testing::write_text(root / "embed2" / "model.yaml", "kind: embed\nslice: nosuch\n");
  ASSERT_TRUE(repository.poll().ok());
  repository.wait_idle();
  EXPECT_EQ(state_of(repository, "embed2"), "UNAVAILABLE");
  EXPECT_EQ(http_request(port, "GET", "/v2/models/embed2/ready").status, 503);
}

TEST(ServerControlTest, PollModeRescansOnItsOwnAtTheInterval) {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  std::unique_ptr<Server> server = start_polling(dir.path(), 0.05);
  ASSERT_NE(server, nullptr);
  fs::remove_all(fs::path(dir.path()) / "narrow");
  // Generous: the interval is 50 ms, the wait up to 30 s on a loaded machine.
  for (int i = 0; i < 600 && state_of(server->repository(), "narrow") != "ABSENT"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(state_of(server->repository(), "narrow"), "ABSENT");
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
  const std::string body =
      Json{{"model", "chat"},    {"prompt", "x"},  {"max_tokens", 300},
           {"ignore_eos", true}, {"stream", true}, {"stream_options", {{"include_usage", true}}}}
          .dump();
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
