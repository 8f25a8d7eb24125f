"""Evaluators: list, one, create an LLM grader, run one on a log or an input/output pair."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from respan_mcp.contract import JsonObject
from respan_mcp.evals import api
from respan_mcp.evals.common import Cursor, Limit, ListPage, list_kind
from respan_mcp.evals.format import (
    evaluator_record,
)
from respan_mcp.output import clip, compact_json, content_text, loads_if_json
from respan_mcp.state import app_state, reply, tool_errors


async def list_evaluators(
    ctx: Context, limit: Limit = 20, cursor: Cursor = None
) -> Annotated[CallToolResult, ListPage]:
    return await list_kind(ctx, "evaluators", limit, cursor)


class EvaluatorDetail(BaseModel):
    id: str
    name: str
    slug: str | None = None
    type: str | None = None
    score_type: str | None = None
    description: str | None = None
    committed: bool | None = None
    score_config: dict[str, Any] | None = None
    passing_conditions: dict[str, Any] | None = None
    llm_config: dict[str, Any] | None = None


async def create_evaluator(
    ctx: Context,
    name: Annotated[str, Field(min_length=1, description="The evaluator's name")],
    definition: Annotated[
        str,
        Field(
            description="The grader's instructions, a Jinja template using {{input}}, {{output}}, {{expected_output}}"
        ),
    ],
    model: Annotated[str, Field(description="The grading model, e.g. 'gpt-4o-mini'")] = "gpt-4o-mini",
    score_type: Annotated[
        Literal["numerical", "boolean", "percentage", "text"], Field(description="What the grader returns")
    ] = "numerical",
    min_score: Annotated[float | None, Field(description="Numerical: lowest score")] = None,
    max_score: Annotated[float | None, Field(description="Numerical: highest score")] = None,
    passing_score: Annotated[float | None, Field(description="A row passes at or above this")] = None,
    description: Annotated[str | None, Field(description="What it checks")] = None,
) -> Annotated[CallToolResult, EvaluatorDetail]:
    if "{{output}}" not in definition.replace(" ", ""):
        raise ToolError("The definition must use {{output}} (the answer being graded); {{input}} and "
                        "{{expected_output}} are there too.")  # fmt: skip
    body: dict[str, Any] = {"name": name, "type": "llm", "score_value_type": score_type,
                            "llm_config": {"model": model, "evaluator_definition": definition}}  # fmt: skip
    if description:
        body["description"] = description
    score_config = {k: v for k, v in (("min_score", min_score), ("max_score", max_score)) if v is not None}
    if score_config:
        body["score_config"] = score_config
    if passing_score is not None:
        body["passing_conditions"] = {"primary_score": {"operator": "gte", "value": passing_score}}
    with tool_errors():
        created = await api.create_evaluator(app_state(ctx).respan, body)
    record = evaluator_record(created)
    new_id = record["id"]
    text = (
        f"Created evaluator {new_id} {name!r} (a draft). Try it: run_evaluator(evaluator_id={new_id!r}, "
        f"log_id=...); use it: create_experiment(..., evaluator_ids=[{new_id!r}])."
    )
    detail = {**record, **{k: created.get(k) for k in ("score_config", "passing_conditions", "llm_config")
                           if created.get(k) is not None}}  # fmt: skip
    return reply(ctx, text, EvaluatorDetail(**detail).model_dump())


async def get_evaluator(
    ctx: Context, evaluator_id: Annotated[str, Field(description="The evaluator's id")]
) -> Annotated[CallToolResult, EvaluatorDetail]:
    with tool_errors():
        evaluator = await api.get(app_state(ctx).respan, "evaluators", evaluator_id)
    record = evaluator_record(evaluator)
    llm = evaluator.get("llm_config") or {}
    lines = [
        f"Evaluator {record['id']} {record['name']!r} ({record['slug']}) · {record['type']} · "
        f"scores {record['score_type']}" + (" · committed" if record["committed"] else " · draft")
    ]
    for label, value in (
        ("description", record["description"]),
        ("score range", evaluator.get("score_config")),
        ("passes when", evaluator.get("passing_conditions")),
        ("model", llm.get("model")),
        ("definition", llm.get("evaluator_definition")),
    ):
        if value:
            lines.append(f"{label}: {clip(value if isinstance(value, str) else compact_json(value), 600)}")
    lines.append(f"Try it: run_evaluator(evaluator_id={record['id']!r}, log_id=...).")
    detail = {
        **record,
        **{
            k: evaluator.get(k)
            for k in ("score_config", "passing_conditions", "llm_config")
            if evaluator.get(k) is not None
        },
    }
    return reply(ctx, "\n".join(lines), EvaluatorDetail(**detail).model_dump())


class EvaluatorRun(BaseModel):
    evaluator_id: str
    score: float | None = None
    passed: bool | None = None
    cost_usd: float | None = None
    status: str | None = None
    error: str | None = None


async def run_evaluator(
    ctx: Context,
    evaluator_id: Annotated[str, Field(description="The evaluator's id (id:N runs version N)")],
    log_id: Annotated[str | None, Field(description="Score this stored log's input and output")] = None,
    input: Annotated[str | None, Field(description="Or: the input to score")] = None,
    output: Annotated[str | None, Field(description="Or: the output to score")] = None,
    expected_output: Annotated[str | None, Field(description="The reference answer, if any")] = None,
    metadata: Annotated[JsonObject | None, Field(description="Extra inputs for the evaluator")] = None,
) -> Annotated[CallToolResult, EvaluatorRun]:
    client = app_state(ctx).respan
    with tool_errors():
        if log_id:
            from respan_mcp.logs import api as logs_api

            log = await logs_api.get_log(client, log_id)
            log = log if isinstance(log, dict) else {}
            input = input or content_text(loads_if_json(log.get("prompt_messages") or log.get("input")))
            output = output or content_text(loads_if_json(log.get("completion_message") or log.get("output")))
        if input is None or output is None:
            raise ToolError("Give log_id (a stored log to score) or both input and output.")
        inputs: dict[str, Any] = {"input": input, "output": output}
        if expected_output is not None:
            inputs["expected_output"] = expected_output
        if metadata:
            inputs["metadata"] = metadata
        result = await api.run_evaluator(client, evaluator_id, inputs)
    from respan_mcp.evals.format import score_value

    score = score_value(result)
    passed = result.get("is_passed") if isinstance(result.get("is_passed"), bool) else None
    text = (
        f"Evaluator {evaluator_id}: score {score if score is not None else '-'}"
        + (f", {'passed' if passed else 'failed'}" if passed is not None else "")
        + (f" ({result.get('error_message')})" if result.get("error_message") else "")
    )
    run = EvaluatorRun(
        evaluator_id=evaluator_id,
        score=score,
        passed=passed,
        cost_usd=result.get("cost"),
        status=result.get("status"),
        error=result.get("error_message"),
    )
    return reply(ctx, text, run.model_dump())
