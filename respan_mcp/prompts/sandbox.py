"""The Jinja2 sandbox prompt templates render in, bounded in time, work and memory.

A stored prompt is code written by whoever can edit prompts in the organisation, and it
runs here. Jinja's sandbox stops escapes into Python internals; this adds the bounds it lacks:
- work: every loop iteration, call, filter, operator and piece of output is a step, and a
  render may take at most MAX_STEPS steps and RENDER_SECONDS seconds;
- memory: operations that can build a large value (repetition, concatenation, padding,
  joining, replacing, formatting, big integers) are checked before they run, results after;
  everything written out, inside macros and `set` blocks too, counts against MAX_OUTPUT_TOTAL.
A bound that is hit raises RenderLimit, whose text says which bound and by how much.
This is the first line only: it runs inside a template worker process (worker_process.py), whose
operating-system limits are the guarantee for whatever this list misses.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

MAX_VALUE = 1_000_000  # characters (or items) of any one value a template builds
MAX_OUTPUT_TOTAL = 2_000_000  # characters written out by one render, all messages together
MAX_STEPS = 1_000_000  # loop iterations, calls, filters, operators and outputs in one render
MAX_INT_BITS = 65_536  # integers larger than this are refused (about 20,000 digits)
RENDER_SECONDS = 3.0
MAX_LIPSUM = 50  # paragraphs lipsum() may make

# A format width or precision of 7+ digits (`%02000000000d`, `{:>9999999}`), or a `*` width.
_WIDE_FORMAT = re.compile(r"(?:%[#0\- +]*|\{[^{}]*:[^{}]*?)\d{7,}|%[#0\- +]*\*|\{[^{}]*\{")
_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})


class RenderLimit(Exception):
    """A template that needs more time, work or memory than a render may use."""


@dataclass
class Budget:
    """What one render (a prompt with all its messages and composed children) may still use.

    Only time spent rendering counts (run_bounded opens the clock): loading a composed child prompt
    from a slow API does not use up the template's seconds."""

    seconds: float = RENDER_SECONDS
    deadline: float = field(default=0.0)  # while rendering: when the remaining seconds run out
    spent: float = 0.0  # seconds used by earlier rendering windows
    steps: int = 0
    output: int = 0

    def __post_init__(self) -> None:
        if not self.deadline:
            self.deadline = time.monotonic() + self.seconds

    def open(self) -> float:
        started = time.monotonic()
        self.deadline = started + self.seconds - self.spent
        return started

    def close(self, started: float) -> None:
        self.spent += time.monotonic() - started

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_STEPS:
            raise RenderLimit(f"this template needs more than {MAX_STEPS:,} loop iterations and calls to render")
        if time.monotonic() > self.deadline:
            raise RenderLimit(f"this template needs more than {self.seconds:g} s to render")

    def write(self, size: int) -> None:
        self.step()
        self.output += size
        if self.output > MAX_OUTPUT_TOTAL:
            raise RenderLimit(f"this template writes more than {MAX_OUTPUT_TOTAL:,} characters")


_local = threading.local()


def current() -> Budget:
    budget = getattr(_local, "budget", None)
    if budget is None:  # rendering outside run_bounded (tests, the CLI): a fresh budget
        budget = _local.budget = Budget()
    return budget  # type: ignore[no-any-return]


def run_bounded(budget: Budget, fn: Any, *args: Any) -> Any:
    """Call fn(*args) with `budget` as the bound of every template operation in this thread."""
    previous = getattr(_local, "budget", None)
    _local.budget = budget
    started = budget.open()
    try:
        return fn(*args)
    finally:
        budget.close(started)
        _local.budget = previous


def _too_big(what: str) -> RenderLimit:
    return RenderLimit(f"this template builds {what} larger than {MAX_VALUE:,} characters or items")


def check_value(value: Any) -> Any:
    """Refuse a value that is already too large (after an operation we could not predict)."""
    if isinstance(value, (str, list, tuple, dict, set, frozenset, bytes)) and len(value) > MAX_VALUE:
        raise _too_big("a value")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise RenderLimit(f"this template builds a number larger than {MAX_INT_BITS:,} bits")
    return value


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, tuple, bytes)) else 0


def counted(items: Iterable[Any]) -> Iterator[Any]:
    """Iterate, one step per item (loops and lazy filters)."""
    budget = current()
    for item in items:
        budget.step()
        yield item


def _materialize(items: Any) -> list[Any]:
    """A list of the items, bounded in count."""
    if isinstance(items, (str, dict)):
        items = list(items)
    out = []
    for item in counted(items):
        out.append(item)
        if len(out) > MAX_VALUE:
            raise _too_big("a list")
    return out


def _joined_size(items: list[Any], separator: str) -> int:
    return sum(len(x) if isinstance(x, str) else len(str(x)) for x in items) + len(separator) * len(items)


def _check_int(value: Any, what: str) -> None:
    if isinstance(value, int) and value > MAX_VALUE:
        raise _too_big(what)


def _check_format(template: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if isinstance(template, str) and _WIDE_FORMAT.search(template):
        values = [*args, *kwargs.values()]
        if isinstance(args[0] if args else None, (tuple, list)):
            values += list(args[0])
        nested_or_star = "*" in template or re.search(r"\{[^{}]*\{", template)
        if not nested_or_star or any(isinstance(v, int) and v > MAX_VALUE for v in values):
            raise _too_big("a formatted string")


def precheck_method(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """For str methods that can grow a string a lot, refuse before they run; returns a safe replacement."""
    inner = getattr(method, "__wrapped__", method)
    owner = getattr(inner, "__self__", None)
    name = getattr(inner, "__name__", "")
    if not isinstance(owner, str):
        return None
    if name in _PADDING_METHODS and args:
        _check_int(args[0], "a padded string")
    elif name == "expandtabs":
        tab = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(tab, int) and owner.count("\t") * tab > MAX_VALUE:
            raise _too_big("a string")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        hits = owner.count(args[0]) if args[0] else len(owner) + 1
        if len(owner) + hits * len(args[1]) > MAX_VALUE:
            raise _too_big("a string")
    elif name == "join" and args:
        items = _materialize(args[0])
        if _joined_size(items, owner) > MAX_VALUE:
            raise _too_big("a joined string")
        return lambda: owner.join(str(x) for x in items)
    elif name in ("format", "format_map"):
        _check_format(owner, args, kwargs)
    return None


# -- filters ---------------------------------------------------------------------------------


def _pre_filter(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Check a filter's arguments before it runs; may return materialized arguments."""
    # args[0] is the environment/context for filters that take one; the value follows it.
    value = args[0] if args else None
    rest = args[1:]
    if name == "center":
        _check_int(rest[0] if rest else kwargs.get("width", 80), "a centered string")
    elif name == "indent":
        width = rest[0] if rest else kwargs.get("width", 4)
        pad = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        lines = str(value).count("\n") + 1 if isinstance(value, str) else 1
        if pad * lines > MAX_VALUE:
            raise _too_big("an indented string")
    elif name == "format" and isinstance(value, str):
        _check_format(value, rest, kwargs)
    elif name == "replace" and len(rest) >= 2:
        text, old, new = str(value), str(rest[0]), str(rest[1])
        hits = text.count(old) if old else len(text) + 1
        if len(text) + hits * len(new) > MAX_VALUE:
            raise _too_big("a string")
    elif name in ("join", "sum", "list", "unique", "sort", "batch", "slice"):
        items = _materialize(value)
        if name == "join":
            separator = rest[0] if rest else kwargs.get("d", "")
            if _joined_size(items, str(separator)) > MAX_VALUE:
                raise _too_big("a joined string")
        elif name == "sum" and sum(_size(x) for x in items) > MAX_VALUE:
            raise _too_big("a sum")
        return (items, *rest), kwargs
    elif name == "wordwrap":
        wrap = kwargs.get("wrapstring") or (rest[3] if len(rest) > 3 else "\n") or "\n"
        width = rest[0] if rest else kwargs.get("width", 79)
        if isinstance(width, int) and width > 0 and len(str(value)) // width * len(str(wrap)) > MAX_VALUE:
            raise _too_big("a wrapped string")
    return args, kwargs


def guarded_filter(name: str, func: Any) -> Any:
    pass_arg = getattr(func, "jinja_pass_arg", None)

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        current().step()
        head = args[:1] if pass_arg is not None else ()
        body, kwargs = _pre_filter(name, args[len(head) :], kwargs)
        result = func(*head, *body, **kwargs)
        if isinstance(result, Iterator) and not isinstance(result, (str, list, tuple)):
            return counted(result)
        return check_value(result)

    return guarded


def _safe_lipsum(lipsum: Any) -> Any:
    def bounded(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> Any:
        if not isinstance(n, int) or not isinstance(max, int) or n > MAX_LIPSUM or max > 1000:
            raise RenderLimit(f"lipsum() makes at most {MAX_LIPSUM} paragraphs of 1,000 words here")
        return lipsum(n=n, html=html, min=min, max=max)

    return bounded


# -- the environment ---------------------------------------------------------------------------

_ENV: Any = None
_ENV_LOCK = threading.Lock()


def environment() -> Any:
    """The shared bounded sandbox (jinja2 is imported on first use: not needed at start-up)."""
    global _ENV
    with _ENV_LOCK:
        if _ENV is None:
            _ENV = _build()
    return _ENV


def _build() -> Any:
    from jinja2 import Undefined, nodes, pass_context
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
    from jinja2.visitor import NodeTransformer

    class LoudWhenUnsafe(Undefined):
        """Missing variables render empty; a forbidden attribute (`''.__class__`) is an error."""

        def __str__(self) -> str:
            if self._undefined_exception is SecurityError:
                self._fail_with_undefined_error()
            return ""

    class Guard(NodeTransformer):  # type: ignore[misc]
        """Rewrites a parsed template so loops, `~` and literal output pass through the budget."""

        def visit_For(self, node: Any) -> Any:
            self.generic_visit(node)
            node.iter = nodes.Call(nodes.EnvironmentAttribute("respan_iter"), [node.iter], [], None, None)
            return node

        def visit_Concat(self, node: Any) -> Any:
            self.generic_visit(node)
            return nodes.Call(nodes.EnvironmentAttribute("respan_concat"), [nodes.List(node.nodes)], [], None, None)

        def visit_Output(self, node: Any) -> Any:
            self.generic_visit(node)
            # Literal text becomes an expression, so it goes through `finalize` (and is counted).
            node.nodes = [nodes.Const(n.data) if isinstance(n, nodes.TemplateData) else n for n in node.nodes]
            return node

    @pass_context  # (not pass_environment: that would fold literal text at compile time, uncounted)
    def finalize(_: Any, value: Any) -> str:
        text = str(value)
        current().write(len(text))
        return text

    class Sandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

        def _parse(self, source: str, name: str | None, filename: str | None) -> Any:
            return Guard().visit(super()._parse(source, name, filename))

        def respan_iter(self, items: Any) -> Any:
            return counted(items)

        def respan_concat(self, parts: list[Any]) -> str:
            texts = [str(p) for p in parts]
            if sum(map(len, texts)) > MAX_VALUE:
                raise _too_big("a string")
            return "".join(texts)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            current().step()
            ints = isinstance(left, int) and isinstance(right, int)
            if operator == "*":
                for seq, count in ((left, right), (right, left)):
                    if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and len(seq) * count > MAX_VALUE:
                        raise _too_big("a repeated value")
                if ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                    raise RenderLimit(f"this template builds a number larger than {MAX_INT_BITS:,} bits")
            elif operator == "**" and isinstance(right, (int, float)):
                base_bits = left.bit_length() if isinstance(left, int) else 64
                if abs(right) > 1000 or (ints and right > 0 and base_bits * right > MAX_INT_BITS):
                    raise RenderLimit("this template raises a number to too high a power")
            elif operator == "+" and _size(left) + _size(right) > MAX_VALUE:
                raise _too_big("a concatenated value")
            elif operator == "%" and isinstance(left, str):
                _check_format(left, right if isinstance(right, tuple) else (right,), {})
            return check_value(super().call_binop(context, operator, left, right))

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            current().step()
            replacement = precheck_method(__obj, args, kwargs)
            if replacement is not None:
                return check_value(replacement())
            return check_value(super().call(__context, __obj, *args, **kwargs))

    env = Sandbox(autoescape=False, keep_trailing_newline=True, undefined=LoudWhenUnsafe, finalize=finalize)
    env.filters = {name: guarded_filter(name, func) for name, func in env.filters.items()}
    env.globals["lipsum"] = _safe_lipsum(env.globals["lipsum"])
    return env


CACHE_TEXT_UNDER = 65_536  # longer templates are not cached (the caches stay small)


def compiled(text: str) -> Any:
    """A template compiled once (compiling costs far more than rendering a short prompt)."""
    return _compiled(text) if len(text) < CACHE_TEXT_UNDER else environment().from_string(text)


def parsed_variables(text: str) -> frozenset[str]:
    """The top-level names a template reads."""
    return _variables(text) if len(text) < CACHE_TEXT_UNDER else _find_variables(text)


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> Any:
    return environment().from_string(text)


def _find_variables(text: str) -> frozenset[str]:
    from jinja2 import meta

    return frozenset(meta.find_undeclared_variables(environment().parse(text)))


_variables = functools.lru_cache(maxsize=1024)(_find_variables)
