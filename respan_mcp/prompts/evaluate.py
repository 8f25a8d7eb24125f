"""Template evaluation: parse a template for its variables, render messages in the bounded sandbox.

Only the template worker process imports this (see worker_process.py): the server process never
compiles or renders a template. Errors are TemplateFailure, whose text the worker sends back as it is.
"""

from __future__ import annotations

import re
from typing import Any

from respan_mcp.prompts.sandbox import Budget, RenderLimit, compiled, parsed_variables, run_bounded

MAX_OUTPUT = 1_000_000  # characters one rendered message may have
IMAGE_SPLIT = re.compile(r"\x00respan-image:(\d+)\x00")


class TemplateFailure(Exception):
    """A template that cannot be parsed or rendered; the text says why and what to change."""


def template_variables(text: str) -> list[str]:
    """Top-level names a template reads (`{{ input.key }}` reads `input`)."""
    from jinja2 import TemplateSyntaxError

    try:
        return sorted(parsed_variables(text))
    except TemplateSyntaxError as exc:
        raise TemplateFailure(f"template syntax error on line {exc.lineno}: {exc.message}") from None
    except RecursionError:
        raise TemplateFailure("the template nests too deeply to parse") from None


def _render_text(text: str, values: dict[str, Any]) -> str:
    from jinja2 import TemplateError
    from jinja2.sandbox import SecurityError

    try:
        out = "".join(compiled(text).generate(values))
    except RenderLimit as exc:
        raise TemplateFailure(f"{exc}; simplify the template or its variables") from None
    except SecurityError as exc:
        raise TemplateFailure(f"the template tried something the sandbox forbids: {exc}") from None
    except TemplateError as exc:
        raise TemplateFailure(f"the template failed to render: {exc}") from None
    except RecursionError:
        raise TemplateFailure("the template recurses or nests too deeply to render") from None
    except (TypeError, ValueError, ArithmeticError, AttributeError, LookupError) as exc:
        raise TemplateFailure(f"the template failed to render: {type(exc).__name__}: {exc}") from None
    if len(out) > MAX_OUTPUT:
        raise TemplateFailure(f"the rendered message is longer than {MAX_OUTPUT:,} characters")
    return out


def _render_content(content: Any, values: dict[str, Any], images: list[str]) -> Any:
    if isinstance(content, str):
        text = _render_text(content, values)
        if not images or not IMAGE_SPLIT.search(text):
            return text
        parts: list[dict[str, Any]] = []
        for i, piece in enumerate(IMAGE_SPLIT.split(text)):
            if i % 2:
                parts.append({"type": "image_url", "image_url": {"url": images[int(piece)]}})
            elif piece.strip():
                parts.append({"type": "text", "text": piece})
        return parts
    if isinstance(content, list):
        rendered = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                inner = _render_content(part["text"], values, images)
                if isinstance(inner, list):
                    rendered.extend(inner)
                else:
                    rendered.append({**part, "text": inner})
            else:
                rendered.append(part)
        return rendered
    return content


def _render_messages(messages: list[dict[str, Any]], values: dict[str, Any], images: list[str]) -> list[Any]:
    out = []
    for message in messages:
        rendered = dict(message)
        if "content" in message:
            rendered["content"] = _render_content(message["content"], values, images)
        out.append(rendered)
    return out


def render_messages(request: dict[str, Any]) -> dict[str, Any]:
    """The messages rendered under the budget the request carries; the reply carries what is left."""
    given = request.get("budget") or {}
    budget = Budget(seconds=float(given.get("seconds", 3.0)))
    budget.spent = float(given.get("spent", 0))
    budget.steps, budget.output = int(given.get("steps", 0)), int(given.get("output", 0))
    messages = run_bounded(budget, _render_messages, request["messages"], request["values"], request["images"])
    return {"messages": messages, "budget": {"spent": budget.spent, "steps": budget.steps, "output": budget.output}}


def variables(request: dict[str, Any]) -> dict[str, Any]:
    """Each text's variables, or the reason it cannot be parsed (one bad text does not hide the others)."""
    out: list[Any] = []
    for text in request["texts"]:
        try:
            out.append(template_variables(text))
        except TemplateFailure as exc:
            out.append({"error": str(exc)})
    return {"names": out}
