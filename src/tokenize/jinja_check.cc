#include "tokenize/jinja_check.h"

#include <string>
#include <vector>

#include "tokenize/jinja_filters.h"
#include "tokenize/jinja_lexer.h"

namespace tessera::jinja {
namespace {

// Height bound for expression trees, which chains (`a.b.c`, `x | f | g`, `a + b + c`) grow without
// nesting; the interpreter evaluates them recursively.
constexpr int kMaxExpressionHeight = 256;

// Rejects filters and tests this interpreter does not have, where jinja2 rejects them: at compile
// time, except inside `if` statements and conditional expressions, where jinja2 3.x defers the
// error to the moment the filter runs (so templates may guard optional filters).
class NameCheck {
 public:
  Status body(const Body& statements, bool soft) {
    for (const StmtPtr& s : statements) TESSERA_RETURN_IF_ERROR(stmt(*s, soft));
    return {};
  }

 private:
  Status stmt(const Stmt& s, bool soft) {
    switch (s.kind) {
      case Stmt::Kind::kPrint:
      case Stmt::Kind::kSet:
        return expr(s.expr.get(), soft);
      case Stmt::Kind::kIf:
        for (size_t i = 0; i < s.conditions.size(); ++i) {
          TESSERA_RETURN_IF_ERROR(expr(s.conditions[i].get(), true));
          TESSERA_RETURN_IF_ERROR(body(s.bodies[i], true));
        }
        return body(s.else_body, true);
      case Stmt::Kind::kFor:
        TESSERA_RETURN_IF_ERROR(expr(s.expr.get(), soft));
        TESSERA_RETURN_IF_ERROR(expr(s.condition.get(), false));
        TESSERA_RETURN_IF_ERROR(body(s.body, false));
        return body(s.else_body, false);
      case Stmt::Kind::kWith:
        for (const ExprPtr& value : s.values) TESSERA_RETURN_IF_ERROR(expr(value.get(), soft));
        return body(s.body, false);
      case Stmt::Kind::kMacro:
        for (const Stmt::Param& p : s.params)
          TESSERA_RETURN_IF_ERROR(expr(p.default_value.get(), false));
        return body(s.body, false);
      case Stmt::Kind::kSetBlock:
      case Stmt::Kind::kFilterBlock:
        TESSERA_RETURN_IF_ERROR(expr(s.filter.get(), false));
        return body(s.body, false);
      case Stmt::Kind::kScope:
        return body(s.body, false);
      default:
        return {};
    }
  }

  // Iterative, so that it can also bound the height of expression trees (long chains like
  // `a.b.c...` or `x | f | g ...` are built in loops, not by recursion) before anything walks
  // them recursively.
  Status expr(const Expr* root, bool root_soft) {
    struct Item {
      const Expr* e;
      bool soft;
      int depth;
    };
    std::vector<Item> pending = {{root, root_soft, 1}};
    while (!pending.empty()) {
      const Item item = pending.back();
      pending.pop_back();
      const Expr* e = item.e;
      if (e == nullptr) continue;
      if (item.depth > kMaxExpressionHeight) {
        return invalid_argument(describe_location(e->line, e->column) +
                                ": expression nested too deeply");
      }
      const bool soft = item.soft || e->kind == Expr::Kind::kCondition;
      if (!soft && (e->kind == Expr::Kind::kFilter || e->kind == Expr::Kind::kTest)) {
        TESSERA_RETURN_IF_ERROR(check_name(*e));
      }
      for (const ExprPtr& child : e->children)
        pending.push_back({child.get(), soft, item.depth + 1});
      for (const auto& kwarg : e->kwargs)
        pending.push_back({kwarg.second.get(), soft, item.depth + 1});
    }
    return {};
  }

  static Status check_name(const Expr& e) {
    const bool filter = e.kind == Expr::Kind::kFilter;
    const Support support = filter ? filter_support(e.name) : test_support(e.name);
    const std::string what = filter ? "filter" : "test";
    if (support == Support::kUnknown) {
      return invalid_argument(describe_location(e.line, e.column) + ": no " + what + " named '" +
                              e.name + "'");
    }
    if (support == Support::kUnsupported) {
      return invalid_argument(describe_location(e.line, e.column) + ": the '" + e.name + "' " +
                              what + " is not supported");
    }
    return {};
  }
};

}  // namespace

Status check_program(const Program& program) { return NameCheck().body(program.body, false); }

}  // namespace tessera::jinja
