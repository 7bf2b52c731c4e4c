#!/usr/bin/env python3
"""Writes expected.json: the oracle for tests/tokenize/chat_template_test.cc.

Renders every *.jinja template in this folder against every conversation in conversations.json,
and every case of expressions.json, with Python's jinja2 set up the way Hugging Face transformers
renders chat templates (apply_chat_template): an ImmutableSandboxedEnvironment with trim_blocks,
lstrip_blocks and the loopcontrols extension, `tojson` replaced by json.dumps (ensure_ascii=False,
keys unsorted), `raise_exception` raising TemplateError, `strftime_now` formatting a fixed time
(2024-07-26 15:30:00, which the C++ test injects as its clock) and the `{% generation %}` tag.

Each result is the rendered string, or {"error": message, "kind": "raise" | "syntax" | "runtime"}.
The C++ test requires identical strings, and an error wherever jinja2 errors (with the message
itself for raise_exception()).

Run after changing any fixture, with Debian's jinja2 3.1:
    /usr/bin/python3 tests/data/chat_templates/render_expected.py
"""
import datetime
import json
import pathlib

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = pathlib.Path(__file__).resolve().parent
FIXED_NOW = datetime.datetime(2024, 7, 26, 15, 30, 0)


class TemplateRaised(jinja2.exceptions.TemplateError):
    """What raise_exception() throws; a TemplateError, as in transformers."""


def raise_exception(message):
    raise TemplateRaised(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


def strftime_now(format):
    return FIXED_NOW.strftime(format)


class GenerationTag(Extension):
    """transformers' AssistantTracker without the mask bookkeeping: renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_environment():
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True,
        extensions=[GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, source, context):
    try:
        template = env.from_string(source)
    except jinja2.exceptions.TemplateSyntaxError as e:
        return {"error": f"line {e.lineno}: {e.message}", "kind": "syntax"}
    except Exception as e:  # noqa: BLE001 - unknown filters, 'break' outside a loop, ...
        return {"error": f"{type(e).__name__}: {e}", "kind": "syntax"}
    try:
        return template.render(**context)
    except TemplateRaised as e:
        return {"error": str(e), "kind": "raise"}
    except Exception as e:  # noqa: BLE001 - any failure counts as an error on both sides
        return {"error": f"{type(e).__name__}: {e}", "kind": "runtime"}


def main():
    env = make_environment()
    conversations = json.loads((HERE / "conversations.json").read_text(encoding="utf-8"))
    special_tokens = conversations["special_tokens"]
    templates = {}
    for path in sorted(HERE.glob("*.jinja")):
        source = path.read_text(encoding="utf-8")
        results = {}
        for conversation in conversations["conversations"]:
            context = dict(special_tokens)
            context.update(conversation["context"])
            results[conversation["name"]] = render(env, source, context)
        templates[path.stem] = results

    expressions = {}
    for case in json.loads((HERE / "expressions.json").read_text(encoding="utf-8"))["cases"]:
        if case["name"] in expressions:
            raise SystemExit(f"duplicate expression case {case['name']}")
        expressions[case["name"]] = render(env, case["template"], case.get("context", {}))

    out = {
        "generator": f"render_expected.py with jinja2 {jinja2.__version__}",
        "templates": templates,
        "expressions": expressions,
    }
    (HERE / "expected.json").write_text(
        json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    errors = sum(isinstance(r, dict) for t in templates.values() for r in t.values())
    print(f"{len(templates)} templates x {len(conversations['conversations'])} conversations "
          f"({errors} errors), {len(expressions)} expression cases")


if __name__ == "__main__":
    main()
