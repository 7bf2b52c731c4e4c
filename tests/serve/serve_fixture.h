// A small model repository for the serving tests, written once per test binary: tiny synthetic
// models (a llama decoder, a BERT embedder and reranker), a decoder with a one-request queue for
// overload tests, and two broken models (bad YAML, a slice too small) that must not stop the rest.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "models/synthetic.h"
#include "serve/server.h"
#include "testing/temp_dir.h"

namespace tessera::testing {

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

inline void write_model(const std::filesystem::path& path, const SyntheticSpec& spec) {
  std::filesystem::create_directories(path.parent_path());
  Result<gguf::Writer> writer = build_synthetic_model(spec);
  ASSERT_TRUE(writer.ok()) << writer.status().to_string();
  ASSERT_TRUE(writer->write(path.string()).ok());
}

inline SyntheticSpec tiny_llama() {
  SyntheticSpec spec;
  spec.arch = "llama";
  spec.layers = 2;
  spec.dim = 64;
  spec.heads = 4;
  spec.kv_heads = 2;
  spec.context = 2048;
  spec.type = DType::kQ8_0;
  spec.seed = 7;
  return spec;
}

inline SyntheticSpec tiny_bert(bool rerank) {
  SyntheticSpec spec;
  spec.arch = "bert";
  spec.layers = 1;
  spec.dim = 32;
  spec.heads = 2;
  spec.context = 128;
  spec.seed = rerank ? 9 : 8;
  spec.vocab_from = vocab_path("ggml-vocab-bert-bge.gguf");
  spec.rerank = rerank;
  if (!rerank) spec.pooling = "mean";
  return spec;
}

// Writes the repository into `dir`.
inline void write_test_repository(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path root(dir);
  write_text(root / "slices.yaml", R"(device:
  name: cpu
  memory: 1GiB
  cores: 2
scheduler:
  policy: best-effort
slices:
  - name: chat
    memory: 512MiB
    share: 50%
  - name: encode
    memory: 256MiB
    share: 40%
  - name: tiny
    memory: 1MiB
    share: 10%
)");
  write_model(root / "chat" / "model.gguf", tiny_llama());
  write_text(root / "chat" / "model.yaml",
             "kind: generate\nfile: model.gguf\nslice: chat\nmax_sequences: 64\n"
             "max_batch_tokens: 128\nprefill_chunk: 16\nmax_queue: 256\n");
  write_text(root / "narrow" / "model.yaml",
             "kind: generate\nfile: ../chat/model.gguf\nslice: chat\ncontext: 512\n"
             "max_sequences: 1\nmax_batch_tokens: 16\nmax_queue: 1\n");
  write_model(root / "embed" / "model.gguf", tiny_bert(false));
  write_text(root / "embed" / "model.yaml",
             "kind: embed\nfile: model.gguf\nslice: encode\nmax_batch_tokens: 512\n"
             "max_queue_delay: 1ms\n");
  write_model(root / "rerank" / "model.gguf", tiny_bert(true));
  write_text(root / "rerank" / "model.yaml",
             "kind: rerank\nfile: model.gguf\nslice: encode\nmax_batch_tokens: 512\n");
  write_text(root / "broken" / "model.yaml", "kind: generate\nfile: [unclosed\n");
  write_text(root / "toobig" / "model.yaml",
             "kind: generate\nfile: ../chat/model.gguf\nslice: tiny\n");
}

// The real server on repository `dir`, every port ephemeral (parallel tests never collide);
// nullptr, with a test failure, when it does not start.
inline std::unique_ptr<serve::Server> start_server(const std::string& dir,
                                                   serve::ServerOptions options = {}) {
  options.repository = dir;
  options.http_port = 0;
  options.grpc_port = 0;
  options.metrics_port = 0;
  Result<std::unique_ptr<serve::Server>> server = serve::Server::start(options);
  EXPECT_TRUE(server.ok()) << server.status().to_string();
  return server.ok() ? std::move(*server) : nullptr;
}

// A server in explicit model control mode on a fresh test repository in `dir`, only `embed` loaded.
inline std::unique_ptr<serve::Server> start_explicit_mode_server(const std::string& dir) {
  write_test_repository(dir);
  serve::ServerOptions options;
  options.control_mode = serve::ControlMode::kExplicit;
  options.load_models = {"embed"};
  return start_server(dir, options);
}

// A test suite sharing one server (64 KiB body limit) on a repository written once per suite.
class ServerSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    write_test_repository(dir_->path());
    serve::ServerOptions options;
    options.body_limit_bytes = 64 * 1024;
    server_ = start_server(dir_->path(), options).release();
    ASSERT_NE(server_, nullptr);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

  inline static TempDir* dir_ = nullptr;
  inline static serve::Server* server_ = nullptr;
};

}  // namespace tessera::testing
