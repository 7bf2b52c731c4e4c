#include "tokenize/jinja_interpreter.h"

#include <ctime>
#include <memory>

#include "tokenize/jinja_args.h"
#include "tokenize/jinja_filters.h"
#include "tokenize/jinja_ops.h"

namespace tessera::jinja {
namespace {

Value builtin(std::string name, std::function<Result<Value>(Interpreter&, CallArgs&)> fn) {
  auto c = std::make_shared<Callable>();
  c->name = std::move(name);
  c->type_name = "function";
  c->invoke = std::move(fn);
  return Value::callable(std::move(c));
}

Result<Value> builtin_range(Interpreter& in, CallArgs& args) {
  if (!args.keyword.empty()) return invalid_argument("range() takes no keyword arguments");
  const size_t n = args.positional.size();
  if (n < 1 || n > 3) return invalid_argument("range expected 1 to 3 arguments");
  int64_t bounds[3] = {0, 0, 1};
  for (size_t i = 0; i < n; ++i) {
    TESSERA_ASSIGN_OR_RETURN(bounds[n == 1 ? 1 : i], int_arg("range", args.positional[i]));
  }
  const int64_t start = bounds[0];
  const int64_t stop = bounds[1];
  const int64_t step = bounds[2];
  if (step == 0) return invalid_argument("range() arg 3 must not be zero");
  // Charge the whole length up front: a runaway range() fails before allocating anything.
  const auto ustart = static_cast<uint64_t>(start);
  const auto ustop = static_cast<uint64_t>(stop);
  uint64_t span = 0;
  if (step > 0 && stop > start) span = ustop - ustart;
  if (step < 0 && start > stop) span = ustart - ustop;
  const uint64_t magnitude =
      step > 0 ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
  const uint64_t count = span == 0 ? 0 : (span - 1) / magnitude + 1;
  TESSERA_RETURN_IF_ERROR(in.charge(count));
  std::vector<Value> items;
  items.reserve(static_cast<size_t>(count));
  for (uint64_t k = 0; k < count; ++k) {
    items.push_back(Value::integer(static_cast<int64_t>(ustart + k * static_cast<uint64_t>(step))));
  }
  return Value::list(std::move(items));
}

Result<Dict> keyword_dict(const std::string& fn, CallArgs& args) {
  Dict d;
  if (args.positional.size() > 1) return invalid_argument(fn + " expected at most 1 argument");
  if (!args.positional.empty()) {
    const Value& source = args.positional[0];
    if (source.is_dict()) {
      d = source.as_dict();
    } else {
      TESSERA_ASSIGN_OR_RETURN(std::vector<Value> pairs, iterate(source));
      for (const Value& pair : pairs) {
        if (!pair.is_list() || pair.as_list().size() != 2) {
          return invalid_argument(fn + ": sequence elements must be pairs");
        }
        d.set(pair.as_list()[0], pair.as_list()[1]);
      }
    }
  }
  for (auto& [key, value] : args.keyword) d.set(Value::string(key), value);
  return d;
}

Result<Value> builtin_namespace(Interpreter& in, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(Dict d, keyword_dict("namespace", args));
  auto ns = std::make_shared<Object>();
  ns->type_name = "Namespace";
  ns->is_namespace = true;
  for (auto& [key, value] : d.entries) {
    if (!key.is_string()) return invalid_argument("namespace attribute names must be strings");
    ns->set(key.as_string(), value);
  }
  in.track(ns);
  return Value::object(std::move(ns));
}

Result<Value> builtin_dict(Interpreter&, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(Dict d, keyword_dict("dict", args));
  return Value::dict(std::move(d));
}

// Hugging Face's raise_exception(message): the template rejects its input with that message.
Result<Value> builtin_raise_exception(Interpreter&, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("raise_exception", args, {"message"}, 1));
  return invalid_argument(to_str(a.get(0)));
}

Result<Value> builtin_strftime_now(Interpreter& in, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind("strftime_now", args, {"format"}, 1));
  if (!a.get(0).is_string()) return invalid_argument("strftime_now() format must be a string");
  const std::string& format = a.get(0).as_string();
  const auto now = in.env().now ? in.env().now() : std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  if (format.empty()) return Value::string("");
  constexpr size_t kMaxBytes = 64 * 1024;
  for (size_t size = 256; size <= kMaxBytes; size *= 4) {
    std::string buf(size, '\0');
    const size_t n = std::strftime(buf.data(), buf.size(), format.c_str(), &parts);
    if (n > 0) {
      buf.resize(n);
      return Value::string(std::move(buf));
    }
  }
  return Value::string("");
}

Value make_loop(const std::shared_ptr<const std::vector<Value>>& items, size_t i) {
  auto loop = std::make_shared<Object>();
  loop->type_name = "LoopContext";
  loop->loop_items = items;
  loop->loop_index = i;
  return Value::object(std::move(loop));
}

}  // namespace

Interpreter::Interpreter(const RenderEnv& env) : env_(env) { install_globals(); }

Interpreter::~Interpreter() {
  for (const std::shared_ptr<Object>& ns : namespaces_) ns->attrs.clear();
}

// Namespaces are how values survive loop iterations, so this is where a template could grow a
// value one level per iteration ({% set ns.x = [ns.x] %}); that depth is bounded here.
Status Interpreter::set_namespace_attr(const Stmt& s, Value value) {
  constexpr int kMaxValueDepth = 200;
  Value ns = lookup(s.targets[0]);
  if (ns.kind() != Value::Kind::kObject || !ns.as_object().is_namespace) {
    return located(s.line, invalid_argument("cannot assign attribute on non-namespace object"));
  }
  if (value.depth() > kMaxValueDepth) {
    return located(s.line, resource_exhausted("value nested deeper than " +
                                              std::to_string(kMaxValueDepth) + " levels"));
  }
  ns.as_object().set(s.attr, std::move(value));
  return {};
}

void Interpreter::install_globals() {
  globals_.set(Value::string("range"), builtin("range", builtin_range));
  globals_.set(Value::string("namespace"), builtin("namespace", builtin_namespace));
  globals_.set(Value::string("dict"), builtin("dict", builtin_dict));
  globals_.set(Value::string("raise_exception"),
               builtin("raise_exception", builtin_raise_exception));
  globals_.set(Value::string("strftime_now"), builtin("strftime_now", builtin_strftime_now));
}

Value* Interpreter::Scope::find(std::string_view name) {
  for (auto& var : vars) {
    if (var.first == name) return &var.second;
  }
  return nullptr;
}

Result<std::string> Interpreter::render(const Program& program, const Value& context) {
  if (!context.is_dict()) return invalid_argument("the template context must be a JSON object");
  context_ = context;
  std::string out;
  out_ = &out;
  TESSERA_RETURN_IF_ERROR(exec_body(program.body));
  return out;
}

Status Interpreter::located(int line, Status status) {
  if (status.ok() || error_located_) return status;
  error_located_ = true;
  return Status(status.code(), "line " + std::to_string(line) + ": " + status.message());
}

Result<Value> Interpreter::located(int line, Result<Value> result) {
  if (result.ok()) return result;
  return located(line, result.status());
}

Status Interpreter::charge(uint64_t steps) {
  const uint64_t budget = env_.limits.max_steps;
  const bool exceeded = steps > budget || steps_ > budget - steps;
  steps_ = exceeded ? budget : steps_ + steps;
  if (exceeded) {
    return resource_exhausted("template exceeded its budget of " +
                              std::to_string(env_.limits.max_steps) + " evaluation steps");
  }
  return {};
}

Status Interpreter::emit(std::string_view text) {
  out_->append(text);
  if (out_->size() > env_.limits.max_output_bytes) {
    return resource_exhausted("rendered output exceeds " +
                              std::to_string(env_.limits.max_output_bytes) + " bytes");
  }
  return {};
}

Value Interpreter::lookup(const std::string& name) {
  for (Scope* s = scope_; s != nullptr; s = s->parent) {
    if (Value* v = s->find(name)) return *v;
  }
  if (const Value* v = context_.as_dict().find(name)) return *v;
  if (const Value* v = globals_.find(name)) return *v;
  return Value::undefined("'" + name + "' is undefined");
}

void Interpreter::assign(const std::string& name, Value value) {
  if (Value* v = scope_->find(name)) {
    *v = std::move(value);
  } else {
    scope_->vars.emplace_back(name, std::move(value));
  }
}

Status Interpreter::assign_targets(const std::vector<std::string>& targets, const Value& value) {
  if (targets.size() == 1) {
    assign(targets[0], value);
    return {};
  }
  if (!value.is_list() && !value.is_string() && !value.is_dict() &&
      value.kind() != Value::Kind::kIterator && !value.is_undefined()) {
    return invalid_argument("cannot unpack non-iterable " + type_name(value) + " object");
  }
  TESSERA_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(value));
  if (items.size() < targets.size()) {
    return invalid_argument("not enough values to unpack (expected " +
                            std::to_string(targets.size()) + ", got " +
                            std::to_string(items.size()) + ")");
  }
  if (items.size() > targets.size()) {
    return invalid_argument("too many values to unpack (expected " +
                            std::to_string(targets.size()) + ")");
  }
  for (size_t i = 0; i < targets.size(); ++i) assign(targets[i], items[i]);
  return {};
}

// ---- statements -----------------------------------------------------------------------------

Status Interpreter::exec_body(const Body& body) {
  for (const StmtPtr& s : body) {
    TESSERA_RETURN_IF_ERROR(exec(*s));
    if (flow_ != Flow::kNormal) return {};
  }
  return {};
}

namespace {

// Counts nesting of exec()/eval() calls. Python's own recursion limit (1000 frames) bounds jinja2
// similarly; here the bound keeps deeply recursive macros from overflowing the native stack.
constexpr int kMaxRenderDepth = 1000;

class DepthGuard {
 public:
  explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
  ~DepthGuard() { --*depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  bool exceeded() const { return *depth_ > kMaxRenderDepth; }

 private:
  int* depth_;
};

Status too_deep() {
  return resource_exhausted("template nested deeper than " + std::to_string(kMaxRenderDepth) +
                            " levels while rendering");
}

}  // namespace

Status Interpreter::exec(const Stmt& s) {
  DepthGuard guard(&depth_);
  if (guard.exceeded()) return located(s.line, too_deep());
  switch (s.kind) {
    case Stmt::Kind::kText:
      return located(s.line, emit(s.text));
    case Stmt::Kind::kPrint: {
      TESSERA_ASSIGN_OR_RETURN(Value v, eval(*s.expr));
      return located(s.line, emit(to_str(v)));
    }
    case Stmt::Kind::kIf:
      for (size_t i = 0; i < s.conditions.size(); ++i) {
        TESSERA_ASSIGN_OR_RETURN(Value condition, eval(*s.conditions[i]));
        if (truthy(condition)) return exec_body(s.bodies[i]);
      }
      return exec_body(s.else_body);
    case Stmt::Kind::kFor:
      return exec_for(s);
    case Stmt::Kind::kSet:
      return exec_set(s);
    case Stmt::Kind::kSetBlock: {
      TESSERA_ASSIGN_OR_RETURN(std::string text, capture(s.body));
      Value value = Value::string(std::move(text));
      if (s.filter != nullptr) {
        TESSERA_ASSIGN_OR_RETURN(value, apply_filter_chain(*s.filter, std::move(value)));
      }
      if (!s.attr.empty()) return set_namespace_attr(s, std::move(value));
      assign(s.targets[0], std::move(value));
      return {};
    }
    case Stmt::Kind::kMacro: {
      auto macro = std::make_shared<Callable>();
      macro->name = s.name;
      macro->type_name = "Macro";
      const Stmt* definition = &s;
      macro->invoke = [definition](Interpreter& in, CallArgs& args) {
        return in.call_macro(*definition, args);
      };
      assign(s.name, Value::callable(std::move(macro)));
      return {};
    }
    case Stmt::Kind::kBreak:
      flow_ = Flow::kBreak;
      return {};
    case Stmt::Kind::kContinue:
      flow_ = Flow::kContinue;
      return {};
    case Stmt::Kind::kWith: {
      std::vector<Value> values;
      for (const ExprPtr& e : s.values) {
        TESSERA_ASSIGN_OR_RETURN(Value v, eval(*e));
        values.push_back(std::move(v));
      }
      Scope inner{scope_, {}};
      for (size_t i = 0; i < s.targets.size(); ++i)
        inner.vars.emplace_back(s.targets[i], values[i]);
      Scope* outer = scope_;
      scope_ = &inner;
      Status status = exec_body(s.body);
      scope_ = outer;
      return status;
    }
    case Stmt::Kind::kFilterBlock: {
      TESSERA_ASSIGN_OR_RETURN(std::string text, capture(s.body));
      TESSERA_ASSIGN_OR_RETURN(Value v,
                               apply_filter_chain(*s.filter, Value::string(std::move(text))));
      return located(s.line, emit(to_str(v)));
    }
    case Stmt::Kind::kScope: {
      Scope inner{scope_, {}};
      Scope* outer = scope_;
      scope_ = &inner;
      Status status = exec_body(s.body);
      scope_ = outer;
      return status;
    }
  }
  return {};
}

Status Interpreter::exec_for(const Stmt& s) {
  TESSERA_ASSIGN_OR_RETURN(Value iterable, eval(*s.expr));
  Result<std::vector<Value>> listed = iterate(iterable);
  if (!listed.ok()) return located(s.line, listed.status());
  std::vector<Value> items = std::move(listed).value();
  Scope* outer = scope_;
  if (s.condition != nullptr) {
    std::vector<Value> kept;
    for (Value& item : items) {
      Scope probe{outer, {}};
      scope_ = &probe;
      Status status = located(s.line, assign_targets(s.targets, item));
      Result<Value> keep = status.ok() ? eval(*s.condition) : Result<Value>(status);
      scope_ = outer;
      if (!keep.ok()) return keep.status();
      if (truthy(*keep)) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  const auto shared_items = std::make_shared<const std::vector<Value>>(std::move(items));
  // jinja2 renders the else block unless some iteration ran to the end of the body: a loop whose
  // every iteration hit break or continue renders it too.
  bool completed_an_iteration = false;
  for (size_t i = 0; i < shared_items->size(); ++i) {
    TESSERA_RETURN_IF_ERROR(located(s.line, charge(1)));
    Scope iteration{outer, {}};
    iteration.vars.reserve(s.targets.size() + 1);
    scope_ = &iteration;
    Status status = located(s.line, assign_targets(s.targets, (*shared_items)[i]));
    if (status.ok()) {
      iteration.vars.emplace_back("loop", make_loop(shared_items, i));
      status = exec_body(s.body);
    }
    scope_ = outer;
    TESSERA_RETURN_IF_ERROR(status);
    const Flow flow = flow_;
    flow_ = Flow::kNormal;
    if (flow == Flow::kNormal) completed_an_iteration = true;
    if (flow == Flow::kBreak) break;
  }
  if (!completed_an_iteration && !s.else_body.empty()) {
    Scope inner{outer, {}};
    scope_ = &inner;
    Status status = exec_body(s.else_body);
    scope_ = outer;
    return status;
  }
  return {};
}

Status Interpreter::exec_set(const Stmt& s) {
  TESSERA_ASSIGN_OR_RETURN(Value value, eval(*s.expr));
  if (!s.attr.empty()) return set_namespace_attr(s, std::move(value));
  return located(s.line, assign_targets(s.targets, value));
}

Result<std::string> Interpreter::capture(const Body& body) {
  std::string buffer;
  std::string* saved_out = out_;
  Scope inner{scope_, {}};
  Scope* outer = scope_;
  out_ = &buffer;
  scope_ = &inner;
  Status status = exec_body(body);
  scope_ = outer;
  out_ = saved_out;
  TESSERA_RETURN_IF_ERROR(status);
  return buffer;
}

Result<Value> Interpreter::apply_filter_chain(const Expr& filter, Value subject) {
  if (filter.children[0] != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(subject, apply_filter_chain(*filter.children[0], std::move(subject)));
  }
  TESSERA_ASSIGN_OR_RETURN(CallArgs args, eval_args(filter, 1));
  return located(filter.line, apply_filter(*this, filter.name, subject, args));
}

Result<Value> Interpreter::call(const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) return invalid_argument(callee.undefined_hint());
  if (callee.kind() != Value::Kind::kCallable) {
    return invalid_argument("'" + type_name(callee) + "' object is not callable");
  }
  return callee.as_callable().invoke(*this, args);
}

Result<Value> Interpreter::call_macro(const Stmt& macro, CallArgs& args) {
  if (call_depth_ >= env_.limits.max_call_depth) {
    return resource_exhausted("macro calls nested deeper than " +
                              std::to_string(env_.limits.max_call_depth) + " levels");
  }
  if (args.positional.size() > macro.params.size()) {
    return invalid_argument("macro '" + macro.name + "' takes not more than " +
                            std::to_string(macro.params.size()) + " argument(s)");
  }
  std::vector<std::optional<Value>> bound(macro.params.size());
  for (size_t i = 0; i < args.positional.size(); ++i) bound[i] = args.positional[i];
  for (auto& [key, value] : args.keyword) {
    size_t i = 0;
    while (i < macro.params.size() && macro.params[i].name != key) ++i;
    if (i == macro.params.size()) {
      return invalid_argument("macro '" + macro.name + "' takes no keyword argument '" + key + "'");
    }
    if (bound[i].has_value()) {
      return invalid_argument("macro '" + macro.name + "' got multiple values for argument '" +
                              key + "'");
    }
    bound[i] = value;
  }
  // Macros see their parameters and the template's top level, not the caller's loop variables.
  Scope frame{&root_, {}};
  Scope* saved_scope = scope_;
  std::string* saved_out = out_;
  std::string buffer;
  scope_ = &frame;
  out_ = &buffer;
  ++call_depth_;
  Status status;
  for (size_t i = 0; i < macro.params.size() && status.ok(); ++i) {
    const Stmt::Param& param = macro.params[i];
    if (bound[i].has_value()) {
      frame.vars.emplace_back(param.name, std::move(*bound[i]));
    } else if (param.default_value != nullptr) {
      Result<Value> v = eval(*param.default_value);
      if (v.ok()) {
        frame.vars.emplace_back(param.name, std::move(v).value());
      } else {
        status = v.status();
      }
    } else {
      frame.vars.emplace_back(param.name,
                              Value::undefined("parameter '" + param.name + "' was not provided"));
    }
  }
  if (status.ok()) status = exec_body(macro.body);
  --call_depth_;
  scope_ = saved_scope;
  out_ = saved_out;
  flow_ = Flow::kNormal;
  TESSERA_RETURN_IF_ERROR(status);
  return Value::string(std::move(buffer));
}

// ---- expressions ----------------------------------------------------------------------------

Result<CallArgs> Interpreter::eval_args(const Expr& e, size_t first_positional) {
  CallArgs args;
  for (size_t i = first_positional; i < e.children.size(); ++i) {
    TESSERA_ASSIGN_OR_RETURN(Value v, eval(*e.children[i]));
    args.positional.push_back(std::move(v));
  }
  for (const auto& [key, expr] : e.kwargs) {
    TESSERA_ASSIGN_OR_RETURN(Value v, eval(*expr));
    args.keyword.emplace_back(key, std::move(v));
  }
  return args;
}

Result<Value> Interpreter::eval(const Expr& e) {
  DepthGuard guard(&depth_);
  if (guard.exceeded()) return located(e.line, too_deep());
  TESSERA_RETURN_IF_ERROR(located(e.line, charge(1)));
  switch (e.kind) {
    case Expr::Kind::kLiteral:
      return e.value;
    case Expr::Kind::kName:
      return lookup(e.name);
    case Expr::Kind::kList:
    case Expr::Kind::kTuple: {
      std::vector<Value> items;
      items.reserve(e.children.size());
      for (const ExprPtr& child : e.children) {
        TESSERA_ASSIGN_OR_RETURN(Value v, eval(*child));
        items.push_back(std::move(v));
      }
      if (e.kind == Expr::Kind::kTuple) return Value::tuple(std::move(items));
      return Value::list(std::move(items));
    }
    case Expr::Kind::kDict: {
      Dict d;
      for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
        TESSERA_ASSIGN_OR_RETURN(Value key, eval(*e.children[i]));
        TESSERA_ASSIGN_OR_RETURN(Value value, eval(*e.children[i + 1]));
        if (!is_hashable(key)) {
          return located(e.line, invalid_argument("unhashable type: '" + type_name(key) + "'"));
        }
        d.set(std::move(key), std::move(value));
      }
      return Value::dict(std::move(d));
    }
    case Expr::Kind::kGetAttr: {
      TESSERA_ASSIGN_OR_RETURN(Value obj, eval(*e.children[0]));
      return located(e.line, get_attr(obj, e.name));
    }
    case Expr::Kind::kGetItem: {
      TESSERA_ASSIGN_OR_RETURN(Value obj, eval(*e.children[0]));
      TESSERA_ASSIGN_OR_RETURN(Value key, eval(*e.children[1]));
      return located(e.line, get_item(obj, key));
    }
    case Expr::Kind::kSlice: {
      TESSERA_ASSIGN_OR_RETURN(Value obj, eval(*e.children[0]));
      Value bounds[3] = {Value::none(), Value::none(), Value::none()};
      for (size_t i = 0; i < 3; ++i) {
        if (e.children[i + 1] != nullptr) {
          TESSERA_ASSIGN_OR_RETURN(bounds[i], eval(*e.children[i + 1]));
        }
      }
      return located(e.line, slice(obj, bounds[0], bounds[1], bounds[2]));
    }
    case Expr::Kind::kCall:
      return eval_call(e);
    case Expr::Kind::kFilter: {
      TESSERA_ASSIGN_OR_RETURN(Value subject, eval(*e.children[0]));
      TESSERA_ASSIGN_OR_RETURN(CallArgs args, eval_args(e, 1));
      return located(e.line, apply_filter(*this, e.name, subject, args));
    }
    case Expr::Kind::kTest: {
      TESSERA_ASSIGN_OR_RETURN(Value subject, eval(*e.children[0]));
      TESSERA_ASSIGN_OR_RETURN(CallArgs args, eval_args(e, 1));
      Result<bool> passed = apply_test(*this, e.name, subject, args);
      if (!passed.ok()) return located(e.line, passed.status());
      return Value::boolean(*passed);
    }
    case Expr::Kind::kUnary: {
      TESSERA_ASSIGN_OR_RETURN(Value operand, eval(*e.children[0]));
      return located(e.line, unary_op(e.name, operand));
    }
    case Expr::Kind::kBinary: {
      TESSERA_ASSIGN_OR_RETURN(Value left, eval(*e.children[0]));
      TESSERA_ASSIGN_OR_RETURN(Value right, eval(*e.children[1]));
      return located(e.line, binary_op(e.name, left, right, env_.limits.max_output_bytes));
    }
    case Expr::Kind::kConcat: {
      std::string text;
      for (const ExprPtr& child : e.children) {
        TESSERA_ASSIGN_OR_RETURN(Value v, eval(*child));
        text += to_str(v);
        if (text.size() > env_.limits.max_output_bytes) {
          return located(e.line, resource_exhausted("string exceeds the template size limit"));
        }
      }
      return Value::string(std::move(text));
    }
    case Expr::Kind::kCompare:
      return eval_compare(e);
    case Expr::Kind::kAnd: {
      TESSERA_ASSIGN_OR_RETURN(Value left, eval(*e.children[0]));
      if (!truthy(left)) return left;
      return eval(*e.children[1]);
    }
    case Expr::Kind::kOr: {
      TESSERA_ASSIGN_OR_RETURN(Value left, eval(*e.children[0]));
      if (truthy(left)) return left;
      return eval(*e.children[1]);
    }
    case Expr::Kind::kNot: {
      TESSERA_ASSIGN_OR_RETURN(Value operand, eval(*e.children[0]));
      return Value::boolean(!truthy(operand));
    }
    case Expr::Kind::kCondition: {
      TESSERA_ASSIGN_OR_RETURN(Value condition, eval(*e.children[1]));
      if (truthy(condition)) return eval(*e.children[0]);
      if (e.children[2] != nullptr) return eval(*e.children[2]);
      return Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                              " evaluated to false and no else section was defined.");
    }
  }
  return Value();
}

Result<Value> Interpreter::eval_call(const Expr& e) {
  TESSERA_ASSIGN_OR_RETURN(Value callee, eval(*e.children[0]));
  TESSERA_ASSIGN_OR_RETURN(CallArgs args, eval_args(e, 1));
  return located(e.line, call(callee, args));
}

Result<Value> Interpreter::eval_compare(const Expr& e) {
  TESSERA_ASSIGN_OR_RETURN(Value left, eval(*e.children[0]));
  for (size_t i = 0; i < e.ops.size(); ++i) {
    TESSERA_ASSIGN_OR_RETURN(Value right, eval(*e.children[i + 1]));
    const std::string& op = e.ops[i];
    bool passed = false;
    if (op == "==" || op == "!=") {
      passed = equals(left, right) == (op == "==");
    } else if (op == "in" || op == "notin") {
      Result<bool> found = contains(right, left);
      if (!found.ok()) return located(e.line, found.status());
      passed = *found == (op == "in");
    } else {
      Result<int> order = compare(left, right);
      if (!order.ok()) {
        std::string message = order.status().message();
        if (const size_t quote = message.find("'<'"); quote == 0) message.replace(1, 1, op);
        return located(e.line, invalid_argument(message));
      }
      passed = op == "<"    ? *order < 0
               : op == "<=" ? *order <= 0
               : op == ">"  ? *order > 0
                            : *order >= 0;
    }
    if (!passed) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

}  // namespace tessera::jinja
