#include "tokenize/jinja_parser.h"

#include <algorithm>
#include <initializer_list>

#include "tokenize/jinja_check.h"
#include "tokenize/jinja_lexer.h"

namespace tessera::jinja {
namespace {

// Nesting bound for expressions and blocks: deeper input is rejected instead of overflowing the
// stack of this recursive-descent parser (and of the interpreter that walks the tree).
constexpr int kMaxNesting = 128;

using Names = std::initializer_list<std::string_view>;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Program> run() {
    Program program;
    TESSERA_ASSIGN_OR_RETURN(program.body, subparse({}));
    if (cur().type != TokenType::kEof) return fail(cur(), "unexpected " + describe(cur()));
    return program;
  }

 private:
  // RAII depth counter; `ok()` is false once nesting exceeds kMaxNesting.
  class Nest {
   public:
    explicit Nest(int* depth) : depth_(depth) { ++*depth_; }
    ~Nest() { --*depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    bool ok() const { return *depth_ <= kMaxNesting; }

   private:
    int* depth_;
  };

  const Token& cur() const { return tokens_[pos_]; }
  const Token& peek() const { return tokens_[std::min(pos_ + 1, tokens_.size() - 1)]; }
  void advance() {
    if (cur().type != TokenType::kEof) ++pos_;
  }
  bool is_op(std::string_view op) const {
    return cur().type == TokenType::kOperator && cur().text == op;
  }
  bool is_name(std::string_view name) const {
    return cur().type == TokenType::kName && cur().text == name;
  }
  bool is_any_name(Names names) const {
    return cur().type == TokenType::kName &&
           std::find(names.begin(), names.end(), cur().text) != names.end();
  }
  bool skip_op(std::string_view op) {
    if (!is_op(op)) return false;
    advance();
    return true;
  }
  bool skip_name(std::string_view name) {
    if (!is_name(name)) return false;
    advance();
    return true;
  }

  static std::string describe(const Token& t) {
    switch (t.type) {
      case TokenType::kEof:
        return "end of template";
      case TokenType::kBlockEnd:
        return "end of statement block";
      case TokenType::kVariableEnd:
        return "end of print statement";
      case TokenType::kBlockBegin:
        return "begin of statement block";
      case TokenType::kVariableBegin:
        return "begin of print statement";
      case TokenType::kData:
        return "template data";
      case TokenType::kString:
        return "string";
      default:
        return "'" + t.text + "'";
    }
  }

  Status fail(const Token& t, const std::string& message) const {
    return invalid_argument(describe_location(t.line, t.column) + ": " + message);
  }

  Status expect_op(std::string_view op) {
    if (!skip_op(op)) {
      return fail(cur(), "expected '" + std::string(op) + "', got " + describe(cur()));
    }
    return {};
  }
  Status expect_name(std::string_view name) {
    if (!skip_name(name)) {
      return fail(cur(), "expected '" + std::string(name) + "', got " + describe(cur()));
    }
    return {};
  }
  Status expect(TokenType type, std::string_view what) {
    if (cur().type != type) {
      return fail(cur(), "expected " + std::string(what) + ", got " + describe(cur()));
    }
    advance();
    return {};
  }
  Result<std::string> expect_identifier() {
    if (cur().type != TokenType::kName)
      return fail(cur(), "expected a name, got " + describe(cur()));
    std::string name = cur().text;
    advance();
    return name;
  }

  ExprPtr node(Expr::Kind kind, const Token& at) const {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = at.line;
    e->column = at.column;
    return e;
  }

  StmtPtr stmt(Stmt::Kind kind, const Token& at) const {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->line = at.line;
    s->column = at.column;
    return s;
  }

  // ---- statements -------------------------------------------------------------------------

  // Parses template content until a block tag named in `end_names` (left as the current token) or
  // the end of the template.
  Result<Body> subparse(Names end_names) {
    Body body;
    while (true) {
      const Token& t = cur();
      switch (t.type) {
        case TokenType::kData: {
          StmtPtr s = stmt(Stmt::Kind::kText, t);
          s->text = t.text;
          body.push_back(std::move(s));
          advance();
          break;
        }
        case TokenType::kVariableBegin: {
          StmtPtr s = stmt(Stmt::Kind::kPrint, t);
          advance();
          TESSERA_ASSIGN_OR_RETURN(s->expr, parse_tuple(false, true, {}, false));
          TESSERA_RETURN_IF_ERROR(expect(TokenType::kVariableEnd, "end of print statement"));
          body.push_back(std::move(s));
          break;
        }
        case TokenType::kBlockBegin: {
          advance();
          if (end_names.size() > 0 && is_any_name(end_names)) return body;
          TESSERA_ASSIGN_OR_RETURN(StmtPtr s, parse_statement());
          TESSERA_RETURN_IF_ERROR(expect(TokenType::kBlockEnd, "end of statement block"));
          body.push_back(std::move(s));
          break;
        }
        case TokenType::kEof:
          return body;
        default:
          return fail(t, "unexpected " + describe(t));
      }
    }
  }

  Result<Body> parse_statements(Names end_names, bool drop_needle) {
    skip_op(":");
    TESSERA_RETURN_IF_ERROR(expect(TokenType::kBlockEnd, "end of statement block"));
    TESSERA_ASSIGN_OR_RETURN(Body body, subparse(end_names));
    if (cur().type == TokenType::kEof) {
      std::string wanted;
      for (std::string_view name : end_names) {
        wanted += (wanted.empty() ? "'" : " or '") + std::string(name) + "'";
      }
      return fail(cur(), "unexpected end of template, expected " + wanted);
    }
    if (drop_needle) advance();
    return body;
  }

  Result<StmtPtr> parse_statement() {
    Nest nest(&depth_);
    const Token& t = cur();
    if (!nest.ok()) return fail(t, "template nested too deeply");
    if (t.type != TokenType::kName) return fail(t, "tag name expected, got " + describe(t));
    const std::string& tag = t.text;
    if (tag == "if") return parse_if();
    if (tag == "for") return parse_for();
    if (tag == "set") return parse_set();
    if (tag == "macro") return parse_macro();
    if (tag == "with") return parse_with();
    if (tag == "filter") return parse_filter_block();
    if (tag == "generation") return parse_scope("endgeneration");
    if (tag == "break" || tag == "continue") {
      if (loop_depth_ == 0) return fail(t, "'" + tag + "' outside of a loop");
      StmtPtr s = stmt(tag == "break" ? Stmt::Kind::kBreak : Stmt::Kind::kContinue, t);
      advance();
      return s;
    }
    static constexpr std::string_view kUnsupported[] = {
        "call", "include", "extends", "block", "import", "from", "autoescape", "do", "raw"};
    if (std::find(std::begin(kUnsupported), std::end(kUnsupported), tag) !=
        std::end(kUnsupported)) {
      return fail(t, "the '" + tag + "' tag is not supported");
    }
    return fail(t, "unknown tag '" + tag + "'");
  }

  Result<StmtPtr> parse_if() {
    StmtPtr s = stmt(Stmt::Kind::kIf, cur());
    advance();
    while (true) {
      TESSERA_ASSIGN_OR_RETURN(ExprPtr condition, parse_tuple(false, false, {}, false));
      TESSERA_ASSIGN_OR_RETURN(Body body, parse_statements({"elif", "else", "endif"}, false));
      s->conditions.push_back(std::move(condition));
      s->bodies.push_back(std::move(body));
      const std::string end = cur().text;
      advance();
      if (end == "elif") continue;
      if (end == "else") {
        TESSERA_ASSIGN_OR_RETURN(s->else_body, parse_statements({"endif"}, true));
      }
      return s;
    }
  }

  Result<StmtPtr> parse_for() {
    StmtPtr s = stmt(Stmt::Kind::kFor, cur());
    advance();
    TESSERA_ASSIGN_OR_RETURN(s->targets, parse_target_names({"in"}));
    TESSERA_RETURN_IF_ERROR(expect_name("in"));
    TESSERA_ASSIGN_OR_RETURN(s->expr, parse_tuple(false, false, {"recursive"}, false));
    if (skip_name("if")) {
      TESSERA_ASSIGN_OR_RETURN(s->condition, parse_expression(true));
    }
    if (is_name("recursive")) return fail(cur(), "recursive loops are not supported");
    ++loop_depth_;
    Result<Body> body = parse_statements({"endfor", "else"}, false);
    --loop_depth_;
    if (!body.ok()) return body.status();
    s->body = std::move(body).value();
    const bool has_else = is_name("else");
    advance();
    if (has_else) {
      TESSERA_ASSIGN_OR_RETURN(s->else_body, parse_statements({"endfor"}, true));
    }
    return s;
  }

  Result<StmtPtr> parse_set() {
    const Token& at = cur();
    advance();
    std::vector<std::string> targets;
    std::string attr;
    if (cur().type == TokenType::kName && peek().type == TokenType::kOperator &&
        peek().text == ".") {
      targets.push_back(cur().text);
      advance();
      advance();
      TESSERA_ASSIGN_OR_RETURN(attr, expect_identifier());
    } else {
      TESSERA_ASSIGN_OR_RETURN(targets, parse_target_names({}));
    }
    if (skip_op("=")) {
      StmtPtr s = stmt(Stmt::Kind::kSet, at);
      s->targets = std::move(targets);
      s->attr = std::move(attr);
      TESSERA_ASSIGN_OR_RETURN(s->expr, parse_tuple(false, true, {}, false));
      return s;
    }
    if (targets.size() != 1) return fail(cur(), "a block 'set' assigns exactly one name");
    StmtPtr s = stmt(Stmt::Kind::kSetBlock, at);
    s->targets = std::move(targets);
    s->attr = std::move(attr);
    TESSERA_ASSIGN_OR_RETURN(s->filter, parse_filter(nullptr, false));
    TESSERA_ASSIGN_OR_RETURN(s->body, parse_statements({"endset"}, true));
    return s;
  }

  Result<StmtPtr> parse_macro() {
    StmtPtr s = stmt(Stmt::Kind::kMacro, cur());
    advance();
    TESSERA_ASSIGN_OR_RETURN(s->name, expect_identifier());
    TESSERA_RETURN_IF_ERROR(expect_op("("));
    while (!is_op(")")) {
      if (!s->params.empty()) TESSERA_RETURN_IF_ERROR(expect_op(","));
      Stmt::Param param;
      TESSERA_ASSIGN_OR_RETURN(param.name, expect_identifier());
      if (skip_op("=")) {
        TESSERA_ASSIGN_OR_RETURN(param.default_value, parse_expression(true));
      } else if (!s->params.empty() && s->params.back().default_value != nullptr) {
        return fail(cur(), "non-default argument follows default argument");
      }
      s->params.push_back(std::move(param));
    }
    advance();
    const int saved_loop_depth = loop_depth_;
    loop_depth_ = 0;
    Result<Body> body = parse_statements({"endmacro"}, true);
    loop_depth_ = saved_loop_depth;
    if (!body.ok()) return body.status();
    s->body = std::move(body).value();
    return s;
  }

  Result<StmtPtr> parse_with() {
    StmtPtr s = stmt(Stmt::Kind::kWith, cur());
    advance();
    while (cur().type != TokenType::kBlockEnd) {
      if (!s->targets.empty()) TESSERA_RETURN_IF_ERROR(expect_op(","));
      TESSERA_ASSIGN_OR_RETURN(std::string target, expect_identifier());
      TESSERA_RETURN_IF_ERROR(expect_op("="));
      TESSERA_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
      s->targets.push_back(std::move(target));
      s->values.push_back(std::move(value));
    }
    TESSERA_ASSIGN_OR_RETURN(s->body, parse_statements({"endwith"}, true));
    return s;
  }

  Result<StmtPtr> parse_filter_block() {
    StmtPtr s = stmt(Stmt::Kind::kFilterBlock, cur());
    advance();
    TESSERA_ASSIGN_OR_RETURN(s->filter, parse_filter(nullptr, true));
    TESSERA_ASSIGN_OR_RETURN(s->body, parse_statements({"endfilter"}, true));
    return s;
  }

  Result<StmtPtr> parse_scope(std::string_view end_name) {
    StmtPtr s = stmt(Stmt::Kind::kScope, cur());
    advance();
    TESSERA_ASSIGN_OR_RETURN(s->body, parse_statements({end_name}, true));
    return s;
  }

  // Assignment targets: `a`, `a, b` or `(a, b)`.
  Result<std::vector<std::string>> parse_target_names(Names extra_end) {
    std::vector<std::string> names;
    const bool parenthesized = skip_op("(");
    while (true) {
      if (!names.empty()) {
        if (!skip_op(",")) break;
        if (parenthesized ? is_op(")") : is_tuple_end(extra_end)) break;
      }
      const Token& t = cur();
      TESSERA_ASSIGN_OR_RETURN(std::string name, expect_identifier());
      static constexpr std::string_view kConstants[] = {"true", "false", "none",
                                                        "True", "False", "None"};
      if (std::find(std::begin(kConstants), std::end(kConstants), name) != std::end(kConstants)) {
        return fail(t, "can't assign to constant '" + name + "'");
      }
      names.push_back(std::move(name));
    }
    if (parenthesized) TESSERA_RETURN_IF_ERROR(expect_op(")"));
    return names;
  }

  // ---- expressions ------------------------------------------------------------------------

  bool is_tuple_end(Names extra_end) const {
    if (cur().type == TokenType::kVariableEnd || cur().type == TokenType::kBlockEnd || is_op(")")) {
      return true;
    }
    return extra_end.size() > 0 && is_any_name(extra_end);
  }

  Result<ExprPtr> parse_tuple(bool simplified, bool with_condexpr, Names extra_end,
                              bool explicit_parentheses) {
    const Token& at = cur();
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) TESSERA_RETURN_IF_ERROR(expect_op(","));
      if (is_tuple_end(extra_end)) break;
      Result<ExprPtr> item = simplified ? parse_primary() : parse_expression(with_condexpr);
      if (!item.ok()) return item.status();
      items.push_back(std::move(item).value());
      if (!is_op(",")) break;
      is_tuple = true;
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parentheses) {
        return fail(cur(), "expected an expression, got " + describe(cur()));
      }
    }
    ExprPtr tuple = node(Expr::Kind::kTuple, at);
    tuple->children = std::move(items);
    return tuple;
  }

  Result<ExprPtr> parse_expression(bool with_condexpr) {
    Nest nest(&depth_);
    if (!nest.ok()) return fail(cur(), "expression nested too deeply");
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  Result<ExprPtr> parse_condexpr() {
    const Token& at = cur();
    TESSERA_ASSIGN_OR_RETURN(ExprPtr result, parse_or());
    while (skip_name("if")) {
      ExprPtr e = node(Expr::Kind::kCondition, at);
      TESSERA_ASSIGN_OR_RETURN(ExprPtr condition, parse_or());
      ExprPtr otherwise;
      if (skip_name("else")) {
        TESSERA_ASSIGN_OR_RETURN(otherwise, parse_condexpr());
      }
      e->children.push_back(std::move(result));
      e->children.push_back(std::move(condition));
      e->children.push_back(std::move(otherwise));
      result = std::move(e);
    }
    return result;
  }

  Result<ExprPtr> parse_or() {
    TESSERA_ASSIGN_OR_RETURN(ExprPtr left, parse_and());
    while (is_name("or")) {
      ExprPtr e = node(Expr::Kind::kOr, cur());
      advance();
      TESSERA_ASSIGN_OR_RETURN(ExprPtr right, parse_and());
      e->children.push_back(std::move(left));
      e->children.push_back(std::move(right));
      left = std::move(e);
    }
    return left;
  }

  Result<ExprPtr> parse_and() {
    TESSERA_ASSIGN_OR_RETURN(ExprPtr left, parse_not());
    while (is_name("and")) {
      ExprPtr e = node(Expr::Kind::kAnd, cur());
      advance();
      TESSERA_ASSIGN_OR_RETURN(ExprPtr right, parse_not());
      e->children.push_back(std::move(left));
      e->children.push_back(std::move(right));
      left = std::move(e);
    }
    return left;
  }

  Result<ExprPtr> parse_not() {
    if (is_name("not")) {
      Nest nest(&depth_);
      if (!nest.ok()) return fail(cur(), "expression nested too deeply");
      ExprPtr e = node(Expr::Kind::kNot, cur());
      advance();
      TESSERA_ASSIGN_OR_RETURN(ExprPtr operand, parse_not());
      e->children.push_back(std::move(operand));
      return e;
    }
    return parse_compare();
  }

  Result<ExprPtr> parse_compare() {
    const Token& at = cur();
    TESSERA_ASSIGN_OR_RETURN(ExprPtr first, parse_math1());
    ExprPtr e;
    while (true) {
      std::string op;
      if (cur().type == TokenType::kOperator &&
          (cur().text == "==" || cur().text == "!=" || cur().text == "<" || cur().text == "<=" ||
           cur().text == ">" || cur().text == ">=")) {
        op = cur().text;
        advance();
      } else if (is_name("in")) {
        op = "in";
        advance();
      } else if (is_name("not") && peek().type == TokenType::kName && peek().text == "in") {
        op = "notin";
        advance();
        advance();
      } else {
        break;
      }
      if (e == nullptr) {
        e = node(Expr::Kind::kCompare, at);
        e->children.push_back(std::move(first));
      }
      TESSERA_ASSIGN_OR_RETURN(ExprPtr operand, parse_math1());
      e->ops.push_back(std::move(op));
      e->children.push_back(std::move(operand));
    }
    return e != nullptr ? std::move(e) : std::move(first);
  }

  Result<ExprPtr> binary_chain(Names ops, Result<ExprPtr> (Parser::*next)()) {
    TESSERA_ASSIGN_OR_RETURN(ExprPtr left, (this->*next)());
    while (cur().type == TokenType::kOperator &&
           std::find(ops.begin(), ops.end(), cur().text) != ops.end()) {
      ExprPtr e = node(Expr::Kind::kBinary, cur());
      e->name = cur().text;
      advance();
      TESSERA_ASSIGN_OR_RETURN(ExprPtr right, (this->*next)());
      e->children.push_back(std::move(left));
      e->children.push_back(std::move(right));
      left = std::move(e);
    }
    return left;
  }

  Result<ExprPtr> parse_math1() { return binary_chain({"+", "-"}, &Parser::parse_concat); }

  Result<ExprPtr> parse_concat() {
    const Token& at = cur();
    TESSERA_ASSIGN_OR_RETURN(ExprPtr first, parse_math2());
    if (!is_op("~")) return first;
    ExprPtr e = node(Expr::Kind::kConcat, at);
    e->children.push_back(std::move(first));
    while (skip_op("~")) {
      TESSERA_ASSIGN_OR_RETURN(ExprPtr next, parse_math2());
      e->children.push_back(std::move(next));
    }
    return e;
  }

  Result<ExprPtr> parse_math2() { return binary_chain({"*", "/", "//", "%"}, &Parser::parse_pow); }

  Result<ExprPtr> parse_pow() { return binary_chain({"**"}, &Parser::parse_unary_filtered); }

  Result<ExprPtr> parse_unary_filtered() { return parse_unary(true); }

  Result<ExprPtr> parse_unary(bool with_filter) {
    Nest nest(&depth_);
    if (!nest.ok()) return fail(cur(), "expression nested too deeply");
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      e = node(Expr::Kind::kUnary, cur());
      e->name = cur().text;
      advance();
      TESSERA_ASSIGN_OR_RETURN(ExprPtr operand, parse_unary(false));
      e->children.push_back(std::move(operand));
    } else {
      TESSERA_ASSIGN_OR_RETURN(e, parse_primary());
    }
    TESSERA_ASSIGN_OR_RETURN(e, parse_postfix(std::move(e)));
    if (with_filter) {
      TESSERA_ASSIGN_OR_RETURN(e, parse_filter_expr(std::move(e)));
    }
    return e;
  }

  Result<ExprPtr> parse_primary() {
    Nest nest(&depth_);
    if (!nest.ok()) return fail(cur(), "expression nested too deeply");
    const Token& t = cur();
    switch (t.type) {
      case TokenType::kName: {
        ExprPtr e = node(Expr::Kind::kLiteral, t);
        if (t.text == "true" || t.text == "True") {
          e->value = Value::boolean(true);
        } else if (t.text == "false" || t.text == "False") {
          e->value = Value::boolean(false);
        } else if (t.text == "none" || t.text == "None") {
          e->value = Value::none();
        } else {
          e->kind = Expr::Kind::kName;
          e->name = t.text;
        }
        advance();
        return e;
      }
      case TokenType::kString: {
        ExprPtr e = node(Expr::Kind::kLiteral, t);
        std::string text;
        while (cur().type == TokenType::kString) {
          text += cur().text;
          advance();
        }
        e->value = Value::string(std::move(text));
        return e;
      }
      case TokenType::kInteger:
      case TokenType::kFloat: {
        ExprPtr e = node(Expr::Kind::kLiteral, t);
        e->value = t.type == TokenType::kInteger ? Value::integer(t.int_value)
                                                 : Value::number(t.float_value);
        advance();
        return e;
      }
      default:
        break;
    }
    if (skip_op("(")) {
      TESSERA_ASSIGN_OR_RETURN(ExprPtr e, parse_tuple(false, true, {}, true));
      TESSERA_RETURN_IF_ERROR(expect_op(")"));
      return e;
    }
    if (is_op("[")) return parse_list();
    if (is_op("{")) return parse_dict();
    return fail(t, "unexpected " + describe(t));
  }

  Result<ExprPtr> parse_list() {
    ExprPtr e = node(Expr::Kind::kList, cur());
    advance();
    while (!is_op("]")) {
      if (!e->children.empty()) TESSERA_RETURN_IF_ERROR(expect_op(","));
      if (is_op("]")) break;
      TESSERA_ASSIGN_OR_RETURN(ExprPtr item, parse_expression(true));
      e->children.push_back(std::move(item));
    }
    advance();
    return e;
  }

  Result<ExprPtr> parse_dict() {
    ExprPtr e = node(Expr::Kind::kDict, cur());
    advance();
    while (!is_op("}")) {
      if (!e->children.empty()) TESSERA_RETURN_IF_ERROR(expect_op(","));
      if (is_op("}")) break;
      TESSERA_ASSIGN_OR_RETURN(ExprPtr key, parse_expression(true));
      TESSERA_RETURN_IF_ERROR(expect_op(":"));
      TESSERA_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
      e->children.push_back(std::move(key));
      e->children.push_back(std::move(value));
    }
    advance();
    return e;
  }

  Result<ExprPtr> parse_postfix(ExprPtr e) {
    while (true) {
      if (is_op(".") || is_op("[")) {
        TESSERA_ASSIGN_OR_RETURN(e, parse_subscript(std::move(e)));
      } else if (is_op("(")) {
        TESSERA_ASSIGN_OR_RETURN(e, parse_call(std::move(e)));
      } else {
        return e;
      }
    }
  }

  Result<ExprPtr> parse_filter_expr(ExprPtr e) {
    while (true) {
      if (is_op("|")) {
        TESSERA_ASSIGN_OR_RETURN(e, parse_filter(std::move(e), false));
      } else if (is_name("is")) {
        TESSERA_ASSIGN_OR_RETURN(e, parse_test(std::move(e)));
      } else if (is_op("(")) {
        TESSERA_ASSIGN_OR_RETURN(e, parse_call(std::move(e)));
      } else {
        return e;
      }
    }
  }

  Result<ExprPtr> parse_subscript(ExprPtr subject) {
    const Token& t = cur();
    if (skip_op(".")) {
      const Token& attr = cur();
      if (attr.type == TokenType::kName) {
        ExprPtr e = node(Expr::Kind::kGetAttr, t);
        e->name = attr.text;
        e->children.push_back(std::move(subject));
        advance();
        return e;
      }
      if (attr.type != TokenType::kInteger) return fail(attr, "expected name or number");
      ExprPtr e = node(Expr::Kind::kGetItem, t);
      ExprPtr index = node(Expr::Kind::kLiteral, attr);
      index->value = Value::integer(attr.int_value);
      e->children.push_back(std::move(subject));
      e->children.push_back(std::move(index));
      advance();
      return e;
    }
    advance();  // [
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
      if (!args.empty()) TESSERA_RETURN_IF_ERROR(expect_op(","));
      TESSERA_ASSIGN_OR_RETURN(ExprPtr arg, parse_subscribed());
      args.push_back(std::move(arg));
    }
    advance();
    if (args.empty()) return fail(t, "expected an index or slice");
    ExprPtr key;
    if (args.size() == 1) {
      key = std::move(args[0]);
    } else {
      key = node(Expr::Kind::kTuple, t);
      key->children = std::move(args);
    }
    if (key->kind == Expr::Kind::kSlice && key->children[0] == nullptr) {
      key->children[0] = std::move(subject);
      return key;
    }
    ExprPtr e = node(Expr::Kind::kGetItem, t);
    e->children.push_back(std::move(subject));
    e->children.push_back(std::move(key));
    return e;
  }

  // An index or a slice `start:stop:step` (a kSlice whose subject, children[0], is still null).
  Result<ExprPtr> parse_subscribed() {
    const Token& at = cur();
    ExprPtr slice = node(Expr::Kind::kSlice, at);
    slice->children.push_back(nullptr);
    if (skip_op(":")) {
      slice->children.push_back(nullptr);
    } else {
      TESSERA_ASSIGN_OR_RETURN(ExprPtr start, parse_expression(true));
      if (!skip_op(":")) return start;
      slice->children.push_back(std::move(start));
    }
    auto bound = [&]() -> Result<ExprPtr> {
      if (is_op(":") || is_op("]") || is_op(",")) return ExprPtr();
      return parse_expression(true);
    };
    TESSERA_ASSIGN_OR_RETURN(ExprPtr stop, bound());
    slice->children.push_back(std::move(stop));
    ExprPtr step;
    if (skip_op(":")) {
      TESSERA_ASSIGN_OR_RETURN(step, bound());
    }
    slice->children.push_back(std::move(step));
    return slice;
  }

  Result<ExprPtr> parse_call(ExprPtr callee) {
    ExprPtr e = node(Expr::Kind::kCall, cur());
    e->children.push_back(std::move(callee));
    TESSERA_RETURN_IF_ERROR(parse_call_args(e.get()));
    return e;
  }

  Status parse_call_args(Expr* e) {
    const Token& open = cur();
    TESSERA_RETURN_IF_ERROR(expect_op("("));
    bool require_comma = false;
    while (!is_op(")")) {
      if (require_comma) {
        TESSERA_RETURN_IF_ERROR(expect_op(","));
        if (is_op(")")) break;
      }
      if (is_op("*") || is_op("**")) return fail(cur(), "*args and **kwargs are not supported");
      if (cur().type == TokenType::kName && peek().type == TokenType::kOperator &&
          peek().text == "=") {
        std::string key = cur().text;
        advance();
        advance();
        TESSERA_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
        e->kwargs.emplace_back(std::move(key), std::move(value));
      } else {
        if (!e->kwargs.empty()) return fail(open, "invalid syntax for function call expression");
        TESSERA_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
        e->children.push_back(std::move(value));
      }
      require_comma = true;
    }
    advance();
    return {};
  }

  Result<std::string> parse_dotted_name() {
    TESSERA_ASSIGN_OR_RETURN(std::string name, expect_identifier());
    while (skip_op(".")) {
      TESSERA_ASSIGN_OR_RETURN(std::string part, expect_identifier());
      name += "." + part;
    }
    return name;
  }

  Result<ExprPtr> parse_filter(ExprPtr subject, bool start_inline) {
    while (is_op("|") || start_inline) {
      if (!start_inline) advance();
      start_inline = false;
      const Token& t = cur();
      TESSERA_ASSIGN_OR_RETURN(std::string name, parse_dotted_name());
      ExprPtr e = node(Expr::Kind::kFilter, t);
      e->name = std::move(name);
      e->children.push_back(std::move(subject));
      if (is_op("(")) TESSERA_RETURN_IF_ERROR(parse_call_args(e.get()));
      subject = std::move(e);
    }
    return subject;
  }

  Result<ExprPtr> parse_test(ExprPtr subject) {
    const Token& is = cur();
    advance();
    const bool negated = skip_name("not");
    const Token& t = cur();
    TESSERA_ASSIGN_OR_RETURN(std::string name, parse_dotted_name());
    ExprPtr e = node(Expr::Kind::kTest, t);
    e->name = std::move(name);
    e->children.push_back(std::move(subject));
    if (is_op("(")) {
      TESSERA_RETURN_IF_ERROR(parse_call_args(e.get()));
    } else if ((cur().type == TokenType::kName || cur().type == TokenType::kString ||
                cur().type == TokenType::kInteger || cur().type == TokenType::kFloat ||
                is_op("[") || is_op("{")) &&
               !is_any_name({"else", "or", "and"})) {
      if (is_name("is")) return fail(cur(), "you cannot chain multiple tests with 'is'");
      TESSERA_ASSIGN_OR_RETURN(ExprPtr arg, parse_primary());
      TESSERA_ASSIGN_OR_RETURN(arg, parse_postfix(std::move(arg)));
      e->children.push_back(std::move(arg));
    }
    if (!negated) return e;
    ExprPtr n = node(Expr::Kind::kNot, is);
    n->children.push_back(std::move(e));
    return n;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

Result<Program> parse_program(std::string_view source) {
  TESSERA_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(source, LexerOptions{}));
  TESSERA_ASSIGN_OR_RETURN(Program program, Parser(std::move(tokens)).run());
  TESSERA_RETURN_IF_ERROR(check_program(program));
  return program;
}

}  // namespace tessera::jinja
