// A model's chat template (`tokenizer.chat_template`, a Jinja2 program in Hugging Face style):
// parsed once per model, rendered per request to turn a list of messages into the prompt text.
// Rendering matches transformers' apply_chat_template (jinja2 with trim_blocks, lstrip_blocks and
// loop controls; raise_exception, strftime_now and json.dumps-style tojson), checked byte for byte
// against Python's jinja2 in tests/tokenize/chat_template_test.cc.
//
// A ChatTemplate is immutable after parse(); copies share the parsed program and render()
// may run concurrently from many threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "tokenize/jinja_interpreter.h"

namespace tessera {

namespace jinja {
struct Program;
}

class ChatTemplate {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Syntax errors come back as kInvalidArgument naming line and column ("line 3, column 7: ...").
  static Result<ChatTemplate> parse(std::string source);

  // Renders with `context` as the template's variables: `messages`, `add_generation_prompt`,
  // `bos_token`, `eos_token`, `tools`, ... Objects keep their key order with ordered_json (which
  // matters to `tojson` and `items()`); nlohmann::json sorts keys. Errors: kInvalidArgument for
  // template errors and raise_exception() (its message included), kResourceExhausted for limits.
  Result<std::string> render(const nlohmann::ordered_json& context) const;
  Result<std::string> render(const nlohmann::json& context) const;

  // The context transformers builds: messages, add_generation_prompt, bos/eos tokens, `tools`
  // (the request's tool definitions, or None when null) and documents set to None.
  Result<std::string> render_chat(const nlohmann::ordered_json& messages,
                                  bool add_generation_prompt, std::string_view bos_token,
                                  std::string_view eos_token,
                                  const nlohmann::ordered_json& tools = nullptr) const;

  // strftime_now() reads this clock (UTC); the system clock by default. Tests inject a fixed date.
  void set_clock(Clock now) { env_.now = std::move(now); }
  void set_limits(const jinja::RenderLimits& limits) { env_.limits = limits; }
  const std::string& source() const { return source_; }

 private:
  ChatTemplate(std::string source, std::shared_ptr<const jinja::Program> program)
      : source_(std::move(source)), program_(std::move(program)) {}
  Result<std::string> render_value(Result<jinja::Value> context) const;

  std::string source_;
  std::shared_ptr<const jinja::Program> program_;  // shared by copies, never mutated
  jinja::RenderEnv env_;
};

}  // namespace tessera
