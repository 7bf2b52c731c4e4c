#include "tokenize/jinja_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "tokenize/jinja_unicode.h"

namespace tessera::jinja {
namespace {

// Bounds recursion over untrusted request JSON (and over values built from it).
constexpr int kMaxJsonDepth = 256;

template <typename Json>
Result<Value> convert(const Json& json, int depth) {
  if (depth > kMaxJsonDepth) return invalid_argument("JSON nested deeper than 256 levels");
  switch (json.type()) {
    case nlohmann::json::value_t::null:
      return Value::none();
    case nlohmann::json::value_t::boolean:
      return Value::boolean(json.template get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value::integer(json.template get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = json.template get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Value::number(static_cast<double>(u));
      }
      return Value::integer(static_cast<int64_t>(u));
    }
    case nlohmann::json::value_t::number_float:
      return Value::number(json.template get<double>());
    case nlohmann::json::value_t::string:
      return Value::string(json.template get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const auto& element : json) {
        TESSERA_ASSIGN_OR_RETURN(Value item, convert(element, depth + 1));
        items.push_back(std::move(item));
      }
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Dict d;
      d.entries.reserve(json.size());
      for (auto it = json.begin(); it != json.end(); ++it) {
        TESSERA_ASSIGN_OR_RETURN(Value item, convert(it.value(), depth + 1));
        d.entries.emplace_back(Value::string(it.key()), std::move(item));
      }
      return Value::dict(std::move(d));
    }
    default:
      return invalid_argument("JSON binary values are not supported in a chat template context");
  }
}

void append_json_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  char32_t c = 0;
  char buf[16];
  for (size_t pos = 0; pos < s.size();) {
    const size_t n = utf8_decode(s, pos, &c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || (ensure_ascii && c > 0x7E)) {
          if (c >= 0x10000) {
            const char32_t v = c - 0x10000;
            std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x",
                          static_cast<unsigned>(0xD800 + (v >> 10)),
                          static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
          } else {
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          }
          out += buf;
        } else {
          out.append(s.substr(pos, n));
        }
    }
    pos += n;
  }
  out += '"';
}

std::string json_float(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  return repr_float(d);
}

Result<std::string> json_key(const Value& key) {
  switch (key.kind()) {
    case Value::Kind::kString:
      return key.as_string();
    case Value::Kind::kBool:
      return std::string(key.as_bool() ? "true" : "false");
    case Value::Kind::kInt:
      return std::to_string(key.as_int());
    case Value::Kind::kFloat:
      return json_float(key.as_float());
    case Value::Kind::kNone:
      return std::string("null");
    default:
      return invalid_argument("keys must be str, int, float, bool or None, not " + type_name(key));
  }
}

class Dumper {
 public:
  explicit Dumper(const JsonStyle& style) : style_(style) {
    item_separator_ = style.item_separator ? *style.item_separator : (style.indent ? "," : ", ");
  }

  Status dump(const Value& v, int depth) {
    if (depth > kMaxJsonDepth) return invalid_argument("value nested too deeply for tojson");
    switch (v.kind()) {
      case Value::Kind::kNone:
        out_ += "null";
        return {};
      case Value::Kind::kBool:
        out_ += v.as_bool() ? "true" : "false";
        return {};
      case Value::Kind::kInt:
        out_ += std::to_string(v.as_int());
        return {};
      case Value::Kind::kFloat:
        out_ += json_float(v.as_float());
        return {};
      case Value::Kind::kString:
        append_json_string(out_, v.as_string(), style_.ensure_ascii);
        return {};
      case Value::Kind::kList: {
        const auto& items = v.as_list();
        if (items.empty()) {
          out_ += "[]";
          return {};
        }
        out_ += '[';
        for (size_t i = 0; i < items.size(); ++i) {
          if (i > 0) out_ += item_separator_;
          newline(depth + 1);
          TESSERA_RETURN_IF_ERROR(dump(items[i], depth + 1));
        }
        newline(depth);
        out_ += ']';
        return {};
      }
      case Value::Kind::kDict:
        return dump_dict(v.as_dict(), depth);
      default:
        return invalid_argument("Object of type " + type_name(v) + " is not JSON serializable");
    }
  }

  std::string take() { return std::move(out_); }

 private:
  Status dump_dict(const Dict& d, int depth) {
    if (d.entries.empty()) {
      out_ += "{}";
      return {};
    }
    std::vector<const std::pair<Value, Value>*> order;
    for (const auto& entry : d.entries) order.push_back(&entry);
    if (style_.sort_keys) {
      Status status;
      std::stable_sort(order.begin(), order.end(), [&](const auto* a, const auto* b) {
        Result<int> c = compare(a->first, b->first);
        if (!c.ok()) {
          if (status.ok()) status = c.status();
          return false;
        }
        return *c < 0;
      });
      TESSERA_RETURN_IF_ERROR(status);
    }
    out_ += '{';
    for (size_t i = 0; i < order.size(); ++i) {
      if (i > 0) out_ += item_separator_;
      newline(depth + 1);
      TESSERA_ASSIGN_OR_RETURN(std::string key, json_key(order[i]->first));
      append_json_string(out_, key, style_.ensure_ascii);
      out_ += style_.key_separator;
      TESSERA_RETURN_IF_ERROR(dump(order[i]->second, depth + 1));
    }
    newline(depth);
    out_ += '}';
    return {};
  }

  void newline(int depth) {
    if (!style_.indent) return;
    out_ += '\n';
    for (int i = 0; i < depth; ++i) out_ += *style_.indent;
  }

  const JsonStyle& style_;
  std::string item_separator_;
  std::string out_;
};

}  // namespace

Result<Value> from_json(const nlohmann::json& json) { return convert(json, 0); }
Result<Value> from_json(const nlohmann::ordered_json& json) { return convert(json, 0); }

Result<std::string> dump_json(const Value& value, const JsonStyle& style) {
  Dumper dumper(style);
  TESSERA_RETURN_IF_ERROR(dumper.dump(value, 0));
  return dumper.take();
}

}  // namespace tessera::jinja
