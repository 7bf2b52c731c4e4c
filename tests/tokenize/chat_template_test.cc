// Chat templates against Python's jinja2: every template in tests/data/chat_templates rendered
// with every conversation must equal what render_expected.py got from jinja2 (expected.json),
// byte for byte; where jinja2 fails, we must fail too. Plus the Jinja semantics cases of
// expressions.json, malformed-template and runaway-template checks.
#include "tokenize/chat_template.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera {
namespace {

using Json = nlohmann::ordered_json;

const std::string kDataDir = std::string(TESSERA_TEST_SOURCE_DIR) + "/data/chat_templates/";

// render_expected.py formats strftime_now() with this instant: 2024-07-26 15:30:00 UTC.
constexpr int64_t kFixedEpochSeconds = 1722007800;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Json read_json(const std::string& name) { return Json::parse(read_file(kDataDir + name)); }

void use_fixed_clock(ChatTemplate& t) {
  t.set_clock([] {
    return std::chrono::system_clock::time_point(std::chrono::seconds(kFixedEpochSeconds));
  });
}

// Compares one render (or parse) outcome with jinja2's; returns a description of any mismatch.
std::string mismatch(const Result<std::string>& ours, const Json& expected) {
  if (expected.is_string()) {
    if (!ours.ok()) return "jinja2 rendered, we failed: " + ours.status().message();
    if (*ours != expected.get<std::string>()) {
      return "output differs\n--- jinja2:\n" + expected.get<std::string>() + "\n--- ours:\n" +
             *ours;
    }
    return "";
  }
  if (ours.ok()) {
    return "jinja2 failed (" + expected["error"].get<std::string>() + "), we rendered:\n" + *ours;
  }
  if (expected["kind"] == "raise" &&
      ours.status().message().find(expected["error"].get<std::string>()) == std::string::npos) {
    return "raise_exception message lost: " + ours.status().message();
  }
  return "";
}

Result<std::string> render_source(const std::string& source, const Json& context) {
  TESSERA_ASSIGN_OR_RETURN(ChatTemplate t, ChatTemplate::parse(source));
  use_fixed_clock(t);
  return t.render(context);
}

TEST(ChatTemplateOracle, EveryTemplateTimesConversationMatchesJinja2) {
  const Json conversations = read_json("conversations.json");
  const Json expected = read_json("expected.json");
  ASSERT_GE(expected["templates"].size(), 10u);
  size_t total = 0;
  size_t matched = 0;
  size_t errors = 0;
  for (const auto& [name, results] : expected["templates"].items()) {
    Result<ChatTemplate> parsed = ChatTemplate::parse(read_file(kDataDir + name + ".jinja"));
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status().message();
    ChatTemplate t = std::move(parsed).value();
    use_fixed_clock(t);
    for (const Json& conversation : conversations["conversations"]) {
      const std::string conversation_name = conversation["name"].get<std::string>();
      Json context = conversations["special_tokens"];
      for (const auto& [key, value] : conversation["context"].items()) context[key] = value;
      const Json& want = results.at(conversation_name);
      const std::string problem = mismatch(t.render(context), want);
      ++total;
      if (problem.empty()) {
        ++matched;
        errors += want.is_object() ? 1 : 0;
      }
      EXPECT_EQ(problem, "") << name << " x " << conversation_name;
    }
  }
  std::cout << "[ chat templates ] " << expected["templates"].size() << " templates x "
            << conversations["conversations"].size() << " conversations: " << matched << "/"
            << total << " match jinja2 (" << errors << " of them errors on both sides)\n";
  EXPECT_EQ(matched, total);
}

TEST(JinjaOracle, ExpressionCasesMatchJinja2) {
  const Json cases = read_json("expressions.json");
  const Json expected = read_json("expected.json")["expressions"];
  size_t matched = 0;
  for (const Json& c : cases["cases"]) {
    const std::string name = c["name"].get<std::string>();
    const Json context = c.contains("context") ? c["context"] : Json::object();
    const std::string problem = mismatch(render_source(c["template"], context), expected.at(name));
    matched += problem.empty() ? 1 : 0;
    EXPECT_EQ(problem, "") << name << ": " << c["template"].get<std::string>();
  }
  std::cout << "[ jinja cases    ] " << matched << "/" << cases["cases"].size()
            << " expression cases match jinja2\n";
}

// ---- API ------------------------------------------------------------------------------------

TEST(ChatTemplate, RenderChatBuildsTheTransformersContext) {
  Result<ChatTemplate> t = ChatTemplate::parse(read_file(kDataDir + "chatml.jinja"));
  ASSERT_TRUE(t.ok());
  const Json messages = Json::parse(R"([{"role": "user", "content": "Hi"}])");
  Result<std::string> text = t->render_chat(messages, true, "<s>", "</s>");
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");

  Result<ChatTemplate> tools = ChatTemplate::parse("{{ tools is none }}/{{ documents is none }}");
  ASSERT_TRUE(tools.ok());
  EXPECT_EQ(*tools->render_chat(messages, false, "", ""), "True/True");
}

TEST(ChatTemplate, RaiseExceptionIsAnInvalidArgumentWithTheTemplatesMessage) {
  Result<ChatTemplate> t = ChatTemplate::parse(read_file(kDataDir + "llama2_chat.jinja"));
  ASSERT_TRUE(t.ok());
  const Json messages = Json::parse(R"([{"role": "user", "content": "a"},
                                        {"role": "user", "content": "b"}])");
  Result<std::string> text = t->render_chat(messages, true, "<s>", "</s>");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(text.status().message().find(
                "Conversation roles must alternate user/assistant/user/assistant/..."),
            std::string::npos)
      << text.status().message();
}

TEST(ChatTemplate, ObjectKeyOrderFollowsTheJsonType) {
  Result<ChatTemplate> t =
      ChatTemplate::parse("{{ d | tojson }} {% for k in d %}{{ k }}{% endfor %}");
  ASSERT_TRUE(t.ok());
  const std::string doc = R"({"d": {"zeta": 1, "alpha": 2}})";
  EXPECT_EQ(*t->render(nlohmann::ordered_json::parse(doc)), R"({"zeta": 1, "alpha": 2} zetaalpha)");
  EXPECT_EQ(*t->render(nlohmann::json::parse(doc)), R"({"alpha": 2, "zeta": 1} alphazeta)");
}

TEST(ChatTemplate, StrftimeNowReadsTheInjectedClock) {
  Result<ChatTemplate> t = ChatTemplate::parse("{{ strftime_now('%d %b %Y') }}");
  ASSERT_TRUE(t.ok());
  use_fixed_clock(*t);
  EXPECT_EQ(*t->render(Json::object()), "26 Jul 2024");
}

TEST(ChatTemplate, ContextMustBeAnObject) {
  Result<ChatTemplate> t = ChatTemplate::parse("x");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->render(Json::array()).ok());
}

TEST(ChatTemplate, CopiesShareTheProgramAndRenderConcurrently) {
  Result<ChatTemplate> parsed = ChatTemplate::parse(read_file(kDataDir + "qwen2_5_instruct.jinja"));
  ASSERT_TRUE(parsed.ok());
  const Json messages = Json::parse(R"([{"role": "user", "content": "Hello"}])");
  const std::string want = *parsed->render_chat(messages, true, "", "");
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i, copy = *parsed] {
      for (int n = 0; n < 50; ++n) ok[i] += *copy.render_chat(messages, true, "", "") == want;
    });
  }
  for (std::thread& th : threads) th.join();
  for (int count : ok) EXPECT_EQ(count, 50);
}

// ---- errors: syntax with line and column, runtime with line -----------------------------------

struct SyntaxCase {
  const char* source;
  const char* location;  // what the message must name
  const char* detail;
};

TEST(ChatTemplate, SyntaxErrorsNameLineAndColumn) {
  const SyntaxCase cases[] = {
      {"ok\n{% if x %}\nno end", "line 3, column 7", "expected 'elif' or 'else' or 'endif'"},
      {"{{ 1 + }}", "line 1, column 8", "unexpected end of print statement"},
      {"a\n  {{ x | nosuch }}", "line 2, column 10", "no filter named 'nosuch'"},
      {"{{ x is nosuch }}", "line 1, column 9", "no test named 'nosuch'"},
      {"\n\n{% frobnicate %}", "line 3, column 4", "unknown tag 'frobnicate'"},
      {"x {{ 'abc }}", "line 1, column 6", "unexpected character '''"},
      {"{# never closed", "line 1, column 1", "missing end of comment tag"},
      {"{{ (1, 2 }}", "line 1, column 10", "unexpected '}', expected ')'"},
      {"{% for x in y %}{% break %}{% endfor %}{% break %}", "line 1, column 43",
       "'break' outside of a loop"},
      {"{{ x", "line 1, column 1", "'{{' is never closed"},
      {"{% macro m(a=1, b) %}{% endmacro %}", "line 1, column 18",
       "non-default argument follows default argument"},
      {"{{ '\\x4' }}", "line 1, column 5", "truncated \\x escape"},
      {"{% endfor %}", "line 1, column 4", "unknown tag 'endfor'"},
      {"{{ a.b.c( }}", "line 1, column 11", "unexpected '}', expected ')'"},
  };
  for (const SyntaxCase& c : cases) {
    Result<ChatTemplate> t = ChatTemplate::parse(c.source);
    ASSERT_FALSE(t.ok()) << c.source;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    const std::string& message = t.status().message();
    EXPECT_NE(message.find(c.location), std::string::npos) << c.source << " -> " << message;
    EXPECT_NE(message.find(c.detail), std::string::npos) << c.source << " -> " << message;
  }
}

TEST(ChatTemplate, RuntimeErrorsNameTheLine) {
  Result<std::string> text = render_source("a\n\n  {{ missing.attr }}", Json::object());
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("line 3: 'missing' is undefined"), std::string::npos)
      << text.status().message();
}

// ---- runaway templates stop with kResourceExhausted -------------------------------------------

TEST(ChatTemplate, LimitsStopRunawayTemplates) {
  const char* runaway[] = {
      "{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}",
      "{% for i in range(100000000000) %}{% endfor %}",
      "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
      "{% for i in range(1000000) %}{{ 'x' * 1000 }}{% endfor %}",
      "{{ 'x' * 100000000000 }}",
      "{{ [1, 2] * 100000000000 }}",
      "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% "
      "endfor %}",
  };
  for (const char* source : runaway) {
    Result<ChatTemplate> t = ChatTemplate::parse(source);
    ASSERT_TRUE(t.ok()) << source << ": " << t.status().message();
    Result<std::string> text = t->render(Json::object());
    ASSERT_FALSE(text.ok()) << source;
    EXPECT_EQ(text.status().code(), StatusCode::kResourceExhausted)
        << source << " -> " << text.status().message();
  }
}

TEST(ChatTemplate, LimitsAreConfigurable) {
  Result<ChatTemplate> t = ChatTemplate::parse("{% for i in range(10) %}{{ i }}{% endfor %}");
  ASSERT_TRUE(t.ok());
  jinja::RenderLimits limits;
  limits.max_output_bytes = 5;
  t->set_limits(limits);
  Result<std::string> text = t->render(Json::object());
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), StatusCode::kResourceExhausted);
}

TEST(Jinja, DeepNestingIsAnErrorNotACrash) {
  const std::string parens = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_FALSE(ChatTemplate::parse(parens).ok());
  std::string ifs;
  for (int i = 0; i < 5000; ++i) ifs += "{% if true %}";
  for (int i = 0; i < 5000; ++i) ifs += "{% endif %}";
  EXPECT_FALSE(ChatTemplate::parse(ifs).ok());
  std::string nots = "{{ ";
  for (int i = 0; i < 5000; ++i) nots += "not ";
  EXPECT_FALSE(ChatTemplate::parse(nots + "x }}").ok());
  // Chains are built by loops, not recursion, but are just as deep to evaluate (or destroy).
  std::string filters = "{{ x";
  for (int i = 0; i < 5000; ++i) filters += " | trim";
  EXPECT_FALSE(ChatTemplate::parse(filters + " }}").ok());
  std::string attrs = "{{ x";
  for (int i = 0; i < 20000; ++i) attrs += ".a";
  EXPECT_FALSE(ChatTemplate::parse(attrs + " }}").ok());
  std::string sum = "{{ 1";
  for (int i = 0; i < 20000; ++i) sum += " + 1";
  EXPECT_FALSE(ChatTemplate::parse(sum + " }}").ok());
  std::string calls = "{{ f";
  for (int i = 0; i < 20000; ++i) calls += "()";
  EXPECT_FALSE(ChatTemplate::parse(calls + " }}").ok());

  // Recursion through macros whose bodies nest deeply stops cleanly.
  std::string body;
  for (int i = 0; i < 100; ++i) body += "{% if true %}";
  body += "{{ m(n + 1) }}";
  for (int i = 0; i < 100; ++i) body += "{% endif %}";
  Result<ChatTemplate> recursive =
      ChatTemplate::parse("{% macro m(n) %}" + body + "{% endmacro %}{{ m(0) }}");
  ASSERT_TRUE(recursive.ok()) << recursive.status().message();
  Result<std::string> deep_render = recursive->render(Json::object());
  ASSERT_FALSE(deep_render.ok());
  EXPECT_EQ(deep_render.status().code(), StatusCode::kResourceExhausted);

  // Values grown one level per iteration through a namespace, and namespaces that refer to
  // themselves (a reference cycle the sanitizer build would report as a leak).
  Result<std::string> grown = render_source(
      "{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor "
      "%}",
      Json::object());
  ASSERT_FALSE(grown.ok());
  EXPECT_EQ(grown.status().code(), StatusCode::kResourceExhausted);
  Result<std::string> chained = render_source(
      "{% set ns = namespace(x=none) %}{% for i in range(20000) %}"
      "{% set ns.x = namespace(prev=ns.x, box=[ns]) %}{% endfor %}{% set ns.self = ns %}"
      "{{ ns.x.prev.prev is defined }}",
      Json::object());
  ASSERT_TRUE(chained.ok()) << chained.status().message();
  EXPECT_EQ(*chained, "True");

  Result<ChatTemplate> t = ChatTemplate::parse("{{ d | tojson }}");
  ASSERT_TRUE(t.ok());
  std::string deep = std::string(2000, '[') + std::string(2000, ']');
  EXPECT_FALSE(t->render(Json::parse("{\"d\": " + deep + "}")).ok());
}

// Every prefix of every real template, and byte-level corruptions of them, must parse or fail
// cleanly (and render or fail cleanly): the sanitizer build turns any memory error into a failure.
TEST(Jinja, MalformedTemplatesNeverCrash) {
  const Json conversations = read_json("conversations.json");
  Json context = conversations["special_tokens"];
  for (const auto& [key, value] : conversations["conversations"][1]["context"].items()) {
    context[key] = value;
  }
  const Json expected = read_json("expected.json");
  uint32_t seed = 12345;
  auto next_random = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  size_t parsed = 0;
  size_t attempts = 0;
  for (const auto& [name, results] : expected["templates"].items()) {
    const std::string source = read_file(kDataDir + name + ".jinja");
    const size_t step = source.size() / 300 + 1;
    std::vector<std::string> variants;
    for (size_t n = 0; n < source.size(); n += step) variants.push_back(source.substr(0, n));
    for (int k = 0; k < 100; ++k) {
      std::string mutated = source;
      const size_t at = next_random() % mutated.size();
      static constexpr char kBytes[] = "{}%#-+()[]|.'\"\\ \nx0";
      switch (next_random() % 3) {
        case 0:
          mutated[at] = kBytes[next_random() % (sizeof kBytes - 1)];
          break;
        case 1:
          mutated.erase(at, 1 + next_random() % 8);
          break;
        default:
          mutated.insert(at, 1, kBytes[next_random() % (sizeof kBytes - 1)]);
      }
      variants.push_back(std::move(mutated));
    }
    for (const std::string& variant : variants) {
      ++attempts;
      Result<ChatTemplate> t = ChatTemplate::parse(variant);
      if (!t.ok()) {
        EXPECT_FALSE(t.status().message().empty());
        continue;
      }
      ++parsed;
      use_fixed_clock(*t);
      Result<std::string> text = t->render(context);
      if (!text.ok()) {
        EXPECT_FALSE(text.status().message().empty());
      }
    }
  }
  EXPECT_GT(parsed, 0u);
  EXPECT_GT(attempts, parsed);
}

// ---- a few semantics spelled out (the oracle cases cover many more) ---------------------------

std::string render_ok(const std::string& source, const Json& context = Json::object()) {
  Result<std::string> text = render_source(source, context);
  EXPECT_TRUE(text.ok()) << source << ": " << text.status().message();
  return text.ok() ? *text : "";
}

TEST(Jinja, LoopBodiesScopeTheirAssignmentsButNamespacesEscape) {
  EXPECT_EQ(render_ok("{% set x = 0 %}{% for i in [1, 2] %}{% set x = i %}{% endfor %}{{ x }}"),
            "0");
  EXPECT_EQ(render_ok("{% set ns = namespace(x=0) %}{% for i in [1, 2] %}{% set ns.x = i %}"
                      "{% endfor %}{{ ns.x }}"),
            "2");
  EXPECT_EQ(render_ok("{% if true %}{% set y = 1 %}{% endif %}{{ y }}"), "1");
}

TEST(Jinja, UndefinedPrintsEmptyButFailsWhenUsed) {
  EXPECT_EQ(render_ok("[{{ nothing }}]{{ nothing is defined }}{{ nothing | length }}"), "[]False0");
  EXPECT_FALSE(render_source("{{ nothing.attr }}", Json::object()).ok());
  EXPECT_FALSE(render_source("{{ nothing + 1 }}", Json::object()).ok());
  EXPECT_EQ(render_ok("{{ d.missing is defined }}", Json::parse(R"({"d": {}})")), "False");
}

TEST(Jinja, WhitespaceControlFollowsHuggingFaceSettings) {
  // trim_blocks drops the newline after a block tag; lstrip_blocks the indentation before it.
  EXPECT_EQ(render_ok("a\n  {% if true %}\n  b\n  {% endif %}\nc"), "a\n  b\nc");
  EXPECT_EQ(render_ok("a  {{- 'b' -}}  \n c"), "abc");
  EXPECT_EQ(render_ok("{{ 'x' }}\n"), "x");  // one trailing newline of the source is dropped
}

}  // namespace
}  // namespace tessera
