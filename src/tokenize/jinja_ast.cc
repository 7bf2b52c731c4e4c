#include "tokenize/jinja_ast.h"

namespace tessera::jinja {

Expr::~Expr() {
  std::vector<ExprPtr> pending;
  auto adopt = [&pending](Expr& e) {
    for (ExprPtr& child : e.children) pending.push_back(std::move(child));
    for (auto& kwarg : e.kwargs) pending.push_back(std::move(kwarg.second));
  };
  adopt(*this);
  while (!pending.empty()) {
    ExprPtr e = std::move(pending.back());
    pending.pop_back();
    if (e != nullptr) adopt(*e);  // e is destroyed childless at the end of this iteration
  }
}

}  // namespace tessera::jinja
