// Renders a parsed Jinja Program against a context, with jinja2's scoping: `for` bodies and macros
// get their own scope (a `set` inside a loop does not leak out, hence namespace()), `if` does not.
// One Interpreter renders once; it is cheap to build, so render each request with a fresh one.
// Runaway templates are stopped by RenderLimits and reported as kResourceExhausted.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "tokenize/jinja_ast.h"
#include "tokenize/jinja_value.h"

namespace tessera::jinja {

struct RenderLimits {
  size_t max_output_bytes = 16u << 20;  // rendered text, and any string or list a template builds
  int max_call_depth = 64;              // nested macro calls (recursive macros)
  // Expression evaluations plus loop iterations (a range() counts its length). Real templates
  // take thousands; two million is about a second of CPU.
  uint64_t max_steps = 2'000'000;
};

struct RenderEnv {
  RenderLimits limits;
  // The clock behind strftime_now(), formatted in UTC; null means the system clock.
  std::function<std::chrono::system_clock::time_point()> now;
};

class Interpreter {
 public:
  explicit Interpreter(const RenderEnv& env);
  ~Interpreter();  // empties the namespaces it created, so reference cycles among them are freed
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // `context` must be a dict; its keys are the template's variables. Errors name the template line.
  Result<std::string> render(const Program& program, const Value& context);

  // Services for filters, methods and builtins.
  Result<Value> call(const Value& callee, CallArgs& args);
  Result<Value> call_macro(const Stmt& macro, CallArgs& args);
  Status charge(uint64_t steps);
  // namespace() objects are mutable and may end up referring to themselves; the interpreter keeps
  // them alive until it is destroyed and then clears them.
  void track(std::shared_ptr<Object> ns) { namespaces_.push_back(std::move(ns)); }
  const RenderEnv& env() const { return env_; }

 private:
  struct Scope {
    Scope* parent = nullptr;
    std::vector<std::pair<std::string, Value>> vars;
    Value* find(std::string_view name);
  };
  enum class Flow { kNormal, kBreak, kContinue };

  Status exec_body(const Body& body);
  Status exec(const Stmt& s);
  Status exec_for(const Stmt& s);
  Status exec_set(const Stmt& s);
  Result<std::string> capture(const Body& body);
  Result<Value> apply_filter_chain(const Expr& filter, Value subject);

  Result<Value> eval(const Expr& e);
  Result<Value> eval_call(const Expr& e);
  Result<Value> eval_compare(const Expr& e);
  Result<CallArgs> eval_args(const Expr& e, size_t first_positional);

  Value lookup(const std::string& name);
  void assign(const std::string& name, Value value);
  Status assign_targets(const std::vector<std::string>& targets, const Value& value);
  Status set_namespace_attr(const Stmt& s, Value value);
  Status emit(std::string_view text);
  void install_globals();

  // Prefixes the first error of a render with the line it happened on; later wrappers pass it on.
  Status located(int line, Status status);
  Result<Value> located(int line, Result<Value> result);

  const RenderEnv& env_;
  Dict globals_;
  Value context_;
  Scope root_;
  Scope* scope_ = &root_;
  std::string* out_ = nullptr;
  Flow flow_ = Flow::kNormal;
  int call_depth_ = 0;
  int depth_ = 0;  // nested exec/eval calls, bounded to keep the native stack small
  uint64_t steps_ = 0;
  bool error_located_ = false;
  std::vector<std::shared_ptr<Object>> namespaces_;
};

}  // namespace tessera::jinja
