"""From any user string to a safe full-text query: words, identifiers, synonyms.

Nothing a user types can make the query fail: every term is quoted for FTS5, and a
string with no searchable word gives an empty query (and no results).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKEN = re.compile(r"[^\W_](?:[\w.\-]*[^\W_])?|_\w+", re.UNICODE)
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
SPLIT = re.compile(r"[_.\-]+")

# A question is short; past these bounds the rest of the text is ignored (and the answer says so), so
# a huge query cannot cost quadratic time or memory in the ranking.
MAX_QUERY_CHARS = 2_000
MAX_TERMS = 64
MAX_ALSO = 3  # other phrasings of one question (search_docs `also`), each bounded like the query

STOPWORDS = frozenset(
    """a an and are as at be by can could do does did for from get got how i if in into is it its me my of on or
    our please should so than that the their them then there these this to use used using via want was we what
    when where which while who why will with would you your yours set sets setting""".split()  # noqa: SIM905
)

SET_UP = re.compile(r"\bset(?:ting)?\s+up\b", re.IGNORECASE)  # one idea: "set" alone is a stopword

# Pairs the Respan docs themselves use for the same thing (a request log is a "span";
# an end user is a "customer"; provider keys are "credentials"; ...).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "log": ("span", "logging"),
    "logs": ("spans", "logging"),
    "span": ("log",),
    "spans": ("logs",),
    "user": ("customer",),
    "users": ("customers",),
    "customer": ("user",),
    "customers": ("users",),
    "key": ("credential", "api key"),
    "keys": ("credentials",),
    "credential": ("key",),
    "credentials": ("keys",),
    "byok": ("credentials", "own key"),
    "trace": ("tracing",),
    "traces": ("tracing",),
    "tracing": ("trace",),
    "fallback": ("fallback models", "backup"),
    "backup": ("fallback",),
    "cache": ("caching",),
    "caching": ("cache",),
    "template": ("prompt",),
    "eval": ("evaluation", "evaluator"),
    "evals": ("evaluations", "evaluators"),
    "evaluation": ("eval", "evaluator"),
    "cost": ("pricing", "spend"),
    "price": ("pricing", "cost"),
    "spend": ("cost", "budget"),
    "budget": ("limit", "spend"),
    "metadata": ("properties", "custom properties"),
    "webhook": ("notification",),
    "alert": ("notification", "subscribe"),
    "alerts": ("notifications",),
    "dataset": ("testset",),
    "datasets": ("testsets",),
    "testset": ("dataset",),
    "llm": ("model",),
    "retry": ("retries",),
    "retries": ("retry",),
    "stream": ("streaming",),
    "streaming": ("stream",),
    "gateway": ("proxy",),
    "proxy": ("gateway",),
    "slow": ("latency",),
    "latency": ("speed",),
    "rate": ("rate limit",),
    "otel": ("opentelemetry",),
    "opentelemetry": ("otel",),
    "pii": ("masking", "redaction"),
    "delete": ("remove",),
    "signature": ("verify", "webhook"),
    "env": ("environment",),
    "setup": ("set up", "configure"),
    # A question about how two things differ is answered by a heading like "Traces vs Logs".
    "difference": ("vs", "versus"),
    "different": ("vs", "versus"),
    "differ": ("vs", "versus"),
    "compare": ("vs", "comparison"),
    "environment": ("env",),
}


@dataclass(frozen=True)
class Term:
    """One thing the user asked for, and the phrases that count as finding it."""

    text: str
    phrases: tuple[str, ...]
    keyword: str | None = None  # an identifier with separators removed, matched in the keywords column
    identifier: bool = False
    bigram: bool = False  # two adjacent query words: rewards sections that say them together


def identifier_parts(token: str) -> list[str]:
    """`fallback_models` -> [fallback, models]; `respan.flush()` -> [respan, flush]; camelCase split."""
    parts: list[str] = []
    for piece in SPLIT.split(token):
        parts.extend(p for p in CAMEL.split(piece) if p)
    return [p.lower() for p in parts if p]


def is_identifier(token: str) -> bool:
    core = token.strip("_.-")
    return bool(SPLIT.search(core) or CAMEL.search(core))


def parse_query(query: str) -> list[Term]:
    terms: list[Term] = []
    seen: set[str] = set()
    previous: str | None = None
    for token in TOKEN.findall(SET_UP.sub("setup", (query or "")[:MAX_QUERY_CHARS])):
        if len(terms) >= MAX_TERMS:
            break
        lowered = token.lower()
        plain = not is_identifier(token) and lowered not in STOPWORDS
        if plain and previous is not None and f"{previous} {lowered}" not in seen:
            seen.add(f"{previous} {lowered}")
            terms.append(Term(f"{previous} {lowered}", (f"{previous} {lowered}",), bigram=True))
        previous = lowered if plain else None
        if lowered in seen:
            continue
        seen.add(lowered)
        if is_identifier(token):
            parts = identifier_parts(token)
            if parts:
                joined = "".join(parts)
                if SPLIT.search(token.strip("_.-")):
                    # Single parts count too: `respan.flush()` should find `telemetry.flush()`.
                    extra = tuple(p for p in parts if p not in STOPWORDS and len(p) > 2) if len(parts) > 1 else ()
                else:
                    extra = (joined,)  # camelCase (`LangChain`, `withWorkflow`) is one word in running text
                terms.append(Term(token, (" ".join(parts), *extra), keyword=joined, identifier=True))
            continue
        if lowered in STOPWORDS or (len(lowered) == 1 and not lowered.isdigit()):
            continue
        terms.append(Term(lowered, (lowered, *SYNONYMS.get(lowered, ()))))
    return terms


def query_was_cut(query: str, terms: list[Term]) -> bool:
    return len(query) > MAX_QUERY_CHARS or len(terms) >= MAX_TERMS


def _quote(phrase: str) -> str:
    return '"' + phrase.replace('"', '""') + '"'


def fts_expression(terms: list[Term]) -> str:
    """An FTS5 MATCH expression: any term may match; BM25 ranks by how many and where."""
    groups = []
    for term in terms:
        options = [_quote(p) for p in term.phrases if p.strip()]
        if term.keyword:
            options.append(f"keywords : {_quote(term.keyword)}")
        if options:
            groups.append("(" + " OR ".join(options) + ")")
    return " OR ".join(groups)


def keywords_of(text: str) -> str:
    """The joined forms of every identifier in a text, for the index's keywords column."""
    found = []
    seen = set()
    for token in TOKEN.findall(text):
        if is_identifier(token):
            joined = "".join(identifier_parts(token))
            if joined and joined not in seen:
                seen.add(joined)
                found.append(joined)
    return " ".join(found)
