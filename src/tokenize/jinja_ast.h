// The syntax tree of a parsed Jinja template. One generic node type per category (expression,
// statement) keeps the parser and interpreter plain switch statements; each kind documents which
// fields it uses. The tree is immutable after parsing and owned by the Program.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenize/jinja_value.h"

namespace tessera::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kLiteral,    // value
    kName,       // name
    kList,       // children: items
    kTuple,      // children: items
    kDict,       // children: key, value, key, value, ...
    kGetAttr,    // children[0].name
    kGetItem,    // children[0][children[1]]
    kSlice,      // children[0][children[1]:children[2]:children[3]]; missing bounds are null
    kCall,       // children[0](children[1..], kwargs)
    kFilter,     // children[0] | name(children[1..], kwargs); children[0] null in filter blocks
    kTest,       // children[0] is name(children[1..], kwargs)
    kUnary,      // name ("-" or "+") children[0]
    kBinary,     // children[0] name children[1], name one of + - * / // % **
    kConcat,     // children joined with ~
    kCompare,    // children[0] ops[0] children[1] ops[1] children[2] ... (chained)
    kAnd,        // children[0] and children[1]
    kOr,         // children[0] or children[1]
    kNot,        // not children[0]
    kCondition,  // children[0] if children[1] else children[2] (null: undefined)
  };

  Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;
  ~Expr();  // iterative: a long `a.b.c...` chain must not recurse once per link

  Kind kind = Kind::kLiteral;
  int line = 0;
  int column = 0;
  Value value;
  std::string name;
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
  enum class Kind {
    kText,      // text
    kPrint,     // {{ expr }}
    kIf,        // conditions[i] -> bodies[i]; else_body
    kFor,       // for targets in expr [if condition]: body; else_body
    kSet,       // set targets = expr; or set targets[0].attr = expr (namespace)
    kSetBlock,  // set targets[0] [| filter] body endset
    kMacro,     // macro name(params) body
    kBreak,
    kContinue,
    kWith,         // with targets[i] = values[i]: body
    kFilterBlock,  // filter filter: body
    kScope,        // body in a nested scope ({% generation %} of Hugging Face)
  };

  struct Param {
    std::string name;
    ExprPtr default_value;  // null: required
  };

  Kind kind = Kind::kText;
  int line = 0;
  int column = 0;
  std::string text;
  std::string name;  // macro name
  std::string attr;  // kSet on a namespace attribute
  std::vector<std::string> targets;
  ExprPtr expr;
  ExprPtr condition;
  ExprPtr filter;  // kSetBlock / kFilterBlock: a kFilter chain whose innermost subject is null
  std::vector<ExprPtr> conditions;
  std::vector<Body> bodies;
  std::vector<ExprPtr> values;
  std::vector<Param> params;
  Body body;
  Body else_body;
};

struct Program {
  Body body;
};

}  // namespace tessera::jinja
