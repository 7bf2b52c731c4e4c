// Jinja tests, the predicates of `x is defined` and `x is divisibleby 3`: jinja2's built-in set.
#include "tokenize/jinja_args.h"
#include "tokenize/jinja_filters.h"
#include "tokenize/jinja_interpreter.h"
#include "tokenize/jinja_ops.h"
#include "tokenize/jinja_unicode.h"

namespace tessera::jinja {
namespace {

using TestFn = Result<bool> (*)(Interpreter&, const Value&, CallArgs&);

Result<bool> no_args(std::string_view name, CallArgs& args) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {}));
  return true;
}

Result<const Value*> one_arg(std::string_view name, CallArgs& args, Value* storage) {
  TESSERA_ASSIGN_OR_RETURN(BoundArgs a, BoundArgs::bind(name, args, {"other"}, 1));
  *storage = a.get(0);
  return static_cast<const Value*>(storage);
}

// A test without arguments whose result is `expr` of the subject `v`.
#define TESSERA_SIMPLE_TEST(fn, name, expr)                                        \
  Result<bool> fn(Interpreter&, [[maybe_unused]] const Value& v, CallArgs& args) { \
    TESSERA_RETURN_IF_ERROR(no_args(name, args).status());                         \
    return (expr);                                                                 \
  }

TESSERA_SIMPLE_TEST(t_defined, "defined", !v.is_undefined())
TESSERA_SIMPLE_TEST(t_undefined, "undefined", v.is_undefined())
TESSERA_SIMPLE_TEST(t_none, "none", v.is_none())
TESSERA_SIMPLE_TEST(t_boolean, "boolean", v.kind() == Value::Kind::kBool)
TESSERA_SIMPLE_TEST(t_false, "false", v.kind() == Value::Kind::kBool && !v.as_bool())
TESSERA_SIMPLE_TEST(t_true, "true", v.kind() == Value::Kind::kBool && v.as_bool())
TESSERA_SIMPLE_TEST(t_integer, "integer", v.kind() == Value::Kind::kInt)
TESSERA_SIMPLE_TEST(t_float, "float", v.kind() == Value::Kind::kFloat)
TESSERA_SIMPLE_TEST(t_number, "number", v.is_number())
TESSERA_SIMPLE_TEST(t_string, "string", v.is_string())
TESSERA_SIMPLE_TEST(t_mapping, "mapping", v.is_dict())
TESSERA_SIMPLE_TEST(t_iterable, "iterable",
                    v.is_string() || v.is_list() || v.is_dict() || v.is_undefined() ||
                        v.kind() == Value::Kind::kIterator ||
                        (v.kind() == Value::Kind::kObject && !v.as_object().is_namespace))
TESSERA_SIMPLE_TEST(t_sequence, "sequence",
                    v.is_string() || v.is_list() || v.is_dict() || v.is_undefined())
TESSERA_SIMPLE_TEST(t_callable, "callable", v.kind() == Value::Kind::kCallable || v.is_undefined())
TESSERA_SIMPLE_TEST(t_escaped, "escaped", false)
TESSERA_SIMPLE_TEST(t_lower, "lower", [&] {
  const std::string s = to_str(v);
  return lower(s) == s && upper(s) != s;
}())
TESSERA_SIMPLE_TEST(t_upper, "upper", [&] {
  const std::string s = to_str(v);
  return upper(s) == s && lower(s) != s;
}())

#undef TESSERA_SIMPLE_TEST

Result<bool> parity(Interpreter& in, const Value& v, CallArgs& args, std::string_view name,
                    int64_t want) {
  TESSERA_RETURN_IF_ERROR(no_args(name, args).status());
  TESSERA_ASSIGN_OR_RETURN(Value r,
                           binary_op("%", v, Value::integer(2), in.env().limits.max_output_bytes));
  return equals(r, Value::integer(want));
}
Result<bool> t_odd(Interpreter& in, const Value& v, CallArgs& args) {
  return parity(in, v, args, "odd", 1);
}
Result<bool> t_even(Interpreter& in, const Value& v, CallArgs& args) {
  return parity(in, v, args, "even", 0);
}

Result<bool> t_divisibleby(Interpreter& in, const Value& v, CallArgs& args) {
  Value other;
  TESSERA_RETURN_IF_ERROR(one_arg("divisibleby", args, &other).status());
  TESSERA_ASSIGN_OR_RETURN(Value r, binary_op("%", v, other, in.env().limits.max_output_bytes));
  return equals(r, Value::integer(0));
}

Result<bool> t_sameas(Interpreter&, const Value& v, CallArgs& args) {
  Value other;
  TESSERA_RETURN_IF_ERROR(one_arg("sameas", args, &other).status());
  if (v.kind() != other.kind()) return false;
  switch (v.kind()) {
    case Value::Kind::kNone:
    case Value::Kind::kUndefined:
      return v.is_none();
    case Value::Kind::kBool:
      return v.as_bool() == other.as_bool();
    case Value::Kind::kInt:  // CPython caches small ints, so they are identical objects
      return v.as_int() == other.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
    case Value::Kind::kString:
      return v.as_string() == other.as_string();
    default:
      return v.identity() != nullptr && v.identity() == other.identity();
  }
}

Result<bool> t_in(Interpreter&, const Value& v, CallArgs& args) {
  Value other;
  TESSERA_RETURN_IF_ERROR(one_arg("in", args, &other).status());
  return contains(other, v);
}

Result<bool> compare_test(const Value& v, CallArgs& args, std::string_view name) {
  Value other;
  TESSERA_RETURN_IF_ERROR(one_arg(name, args, &other).status());
  if (name == "eq") return equals(v, other);
  if (name == "ne") return !equals(v, other);
  TESSERA_ASSIGN_OR_RETURN(int c, compare(v, other));
  if (name == "lt") return c < 0;
  if (name == "le") return c <= 0;
  if (name == "gt") return c > 0;
  return c >= 0;
}

Result<bool> t_eq(Interpreter&, const Value& v, CallArgs& args) {
  return compare_test(v, args, "eq");
}
Result<bool> t_ne(Interpreter&, const Value& v, CallArgs& args) {
  return compare_test(v, args, "ne");
}
Result<bool> t_lt(Interpreter&, const Value& v, CallArgs& args) {
  return compare_test(v, args, "lt");
}
Result<bool> t_le(Interpreter&, const Value& v, CallArgs& args) {
  return compare_test(v, args, "le");
}
Result<bool> t_gt(Interpreter&, const Value& v, CallArgs& args) {
  return compare_test(v, args, "gt");
}
Result<bool> t_ge(Interpreter&, const Value& v, CallArgs& args) {
  return compare_test(v, args, "ge");
}

Result<bool> t_filter(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_RETURN_IF_ERROR(no_args("filter", args).status());
  return v.is_string() && filter_support(v.as_string()) == Support::kSupported;
}

Result<bool> t_test(Interpreter&, const Value& v, CallArgs& args) {
  TESSERA_RETURN_IF_ERROR(no_args("test", args).status());
  return v.is_string() && test_support(v.as_string()) == Support::kSupported;
}

struct TestEntry {
  std::string_view name;
  TestFn fn;
};

constexpr TestEntry kTests[] = {
    {"defined", t_defined},
    {"undefined", t_undefined},
    {"none", t_none},
    {"boolean", t_boolean},
    {"false", t_false},
    {"true", t_true},
    {"integer", t_integer},
    {"float", t_float},
    {"number", t_number},
    {"string", t_string},
    {"mapping", t_mapping},
    {"iterable", t_iterable},
    {"sequence", t_sequence},
    {"callable", t_callable},
    {"escaped", t_escaped},
    {"lower", t_lower},
    {"upper", t_upper},
    {"odd", t_odd},
    {"even", t_even},
    {"divisibleby", t_divisibleby},
    {"sameas", t_sameas},
    {"in", t_in},
    {"eq", t_eq},
    {"equalto", t_eq},
    {"==", t_eq},
    {"ne", t_ne},
    {"!=", t_ne},
    {"lt", t_lt},
    {"lessthan", t_lt},
    {"<", t_lt},
    {"le", t_le},
    {"<=", t_le},
    {"gt", t_gt},
    {"greaterthan", t_gt},
    {">", t_gt},
    {"ge", t_ge},
    {">=", t_ge},
    {"filter", t_filter},
    {"test", t_test},
};

}  // namespace

Support test_support(std::string_view name) {
  for (const TestEntry& t : kTests) {
    if (t.name == name) return Support::kSupported;
  }
  return Support::kUnknown;
}

Result<bool> apply_test(Interpreter& in, std::string_view name, const Value& subject,
                        CallArgs& args) {
  for (const TestEntry& t : kTests) {
    if (t.name == name) return t.fn(in, subject, args);
  }
  return invalid_argument("No test named '" + std::string(name) + "'.");
}

}  // namespace tessera::jinja
