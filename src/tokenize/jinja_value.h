// The values a Jinja template computes with, modelled on the Python objects jinja2 uses: None,
// bool, int, float, str, list, dict (insertion-ordered), namespace/loop objects, one-shot iterators
// (what jinja2's map/select filters return), callables (macros, builtins, bound methods) and
// Undefined. Lists and dicts are immutable once built and shared by pointer, so copying a Value is
// cheap; only namespace objects are mutable (`{% set ns.x = ... %}`), and they are shared by
// reference as in Python.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/status.h"

namespace tessera::jinja {

struct List;
struct Dict;
struct Object;
struct Iterator;
struct Callable;

// Why a value is undefined, worded like jinja2's UndefinedError for when it is used in an
// operation.
struct Undefined {
  std::string hint;
};

class Value {
 public:
  enum class Kind {
    kUndefined,
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kList,
    kDict,
    kObject,
    kIterator,
    kCallable,
  };

  Value() = default;  // undefined
  static Value undefined(std::string hint) {
    return Value(std::in_place_type<Undefined>, Undefined{std::move(hint)});
  }
  static Value none() { return Value(std::in_place_type<std::nullptr_t>, nullptr); }
  static Value boolean(bool b) { return Value(std::in_place_type<bool>, b); }
  static Value integer(int64_t i) { return Value(std::in_place_type<int64_t>, i); }
  static Value number(double d) { return Value(std::in_place_type<double>, d); }
  static Value string(std::string s) {
    return Value(std::in_place_type<std::string>, std::move(s));
  }
  static Value list(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);  // a list that prints and compares as a tuple
  static Value dict(Dict d);
  static Value object(std::shared_ptr<Object> o) {
    return Value(std::in_place_type<std::shared_ptr<Object>>, std::move(o));
  }
  static Value iterator(std::vector<Value> items, std::string type_name);
  static Value callable(std::shared_ptr<const Callable> c) {
    return Value(std::in_place_type<std::shared_ptr<const Callable>>, std::move(c));
  }

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }  // tuples included
  bool is_tuple() const;
  bool is_dict() const { return kind() == Kind::kDict; }
  // Python's int: bool is a subclass of int, so True + 1 == 2.
  bool is_integral() const { return kind() == Kind::kInt || kind() == Kind::kBool; }
  bool is_number() const { return is_integral() || kind() == Kind::kFloat; }

  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const;   // kInt or kBool
  double as_float() const;  // any number
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const std::vector<Value>& as_list() const;
  const Dict& as_dict() const { return *std::get<std::shared_ptr<const Dict>>(data_); }
  Object& as_object() const { return *std::get<std::shared_ptr<Object>>(data_); }
  Iterator& as_iterator() const { return *std::get<std::shared_ptr<Iterator>>(data_); }
  const Callable& as_callable() const { return *std::get<std::shared_ptr<const Callable>>(data_); }
  const std::string& undefined_hint() const { return std::get<Undefined>(data_).hint; }
  // Identity for objects that Python compares by reference (namespaces, callables, iterators).
  const void* identity() const;
  // Nesting depth of lists, tuples and dicts (0 for anything else), recorded when they are built.
  int depth() const;

 private:
  using Data = std::variant<Undefined, std::nullptr_t, bool, int64_t, double, std::string,
                            std::shared_ptr<const List>, std::shared_ptr<const Dict>,
                            std::shared_ptr<Object>, std::shared_ptr<Iterator>,
                            std::shared_ptr<const Callable>>;
  // In-place construction: building a temporary variant and moving it in trips GCC 12's
  // -Wmaybe-uninitialized false positive.
  template <typename T, typename Arg>
  Value(std::in_place_type_t<T> type, Arg&& arg) : data_(type, std::forward<Arg>(arg)) {}
  Data data_;
};

struct List {
  std::vector<Value> items;
  bool is_tuple = false;
  int depth = 1;
};

// A Python dict: keys are hashable scalars (str, int, float, bool, None), kept in insertion order.
struct Dict {
  std::vector<std::pair<Value, Value>> entries;
  int depth = 1;  // set by Value::dict()
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  void set(Value key, Value value);  // replaces the value of an equal key in place
};

// An object with named attributes: jinja2's Namespace (mutable through `set ns.x`) or LoopContext.
struct Object {
  std::string type_name;
  bool is_namespace = false;
  std::vector<std::pair<std::string, Value>> attrs;
  // A LoopContext computes index, first, previtem, cycle, ... from the loop's items and position
  // rather than storing a dozen attributes per iteration.
  std::shared_ptr<const std::vector<Value>> loop_items;
  size_t loop_index = 0;

  std::optional<Value> attribute(std::string_view name) const;
  void set(const std::string& name, Value value);
};

// A one-shot iterator, as Python generators are: iterating consumes it.
struct Iterator {
  std::vector<Value> items;
  size_t position = 0;
  std::string type_name;  // "generator", "list_reverseiterator"
};

class Interpreter;

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

struct Callable {
  std::string name;
  std::string type_name;  // "Macro", "function", "method"
  std::function<Result<Value>(Interpreter&, CallArgs&)> invoke;
};

bool truthy(const Value& v);
// Python ==, with int/float/bool comparing numerically and Undefined equal only to Undefined.
bool equals(const Value& a, const Value& b);
// Python ordering (<): -1, 0 or 1, or an error for unorderable operands such as str and int.
Result<int> compare(const Value& a, const Value& b);
bool is_hashable(const Value& v);

// Python's type name for messages ("str", "int", "NoneType", "dict", "Undefined").
std::string type_name(const Value& v);
// Python str() and repr() of a value: what `{{ x }}` prints and how containers print their items.
std::string to_str(const Value& v);
std::string to_repr(const Value& v);
std::string repr_string(std::string_view s);
std::string repr_float(double d);

}  // namespace tessera::jinja
