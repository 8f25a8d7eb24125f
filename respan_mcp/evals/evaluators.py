"""Evaluators: list, one (with its versions), create (LLM, code or human), edit the draft, commit, delete,
run one on a log or an input/output pair."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from respan_mcp.contract import JsonObject
from respan_mcp.evals import api
from respan_mcp.evals.common import Cursor, Limit, ListPage, list_kind, recent_versions
from respan_mcp.evals.format import evaluator_record, render_versions
from respan_mcp.output import Rows, as_text, clip, compact_json
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
    code_config: dict[str, Any] | None = None
    versions: Rows[dict] | None = None


EvaluatorId = Annotated[str, Field(description="The evaluator's id")]
Definition = Annotated[
    str | None,
    Field(description="LLM: the grader's instructions, a Jinja template using {{input}}, {{output}}, "
          "{{expected_output}}"),
]  # fmt: skip
Code = Annotated[str | None, Field(description="Code: Python defining main(eval_inputs) that returns the score")]
MinScore = Annotated[float | None, Field(description="Numerical: lowest score")]
MaxScore = Annotated[float | None, Field(description="Numerical: highest score")]
PassingScore = Annotated[float | None, Field(description="A row passes at or above this")]


def check_grader(kind: str, definition: str | None, code: str | None) -> None:
    if kind == "llm" and (definition is None or "{{output}}" not in definition.replace(" ", "")):
        raise ToolError("An LLM evaluator needs a definition that uses {{output}} (the answer being graded); "
                        "{{input}} and {{expected_output}} are there too.")  # fmt: skip
    if kind == "code" and (code is None or "def main" not in code):
        raise ToolError("A code evaluator needs code: Python defining main(eval_inputs) that returns the score.")


def scoring(min_score: float | None, max_score: float | None, passing_score: float | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    score_config = {k: v for k, v in (("min_score", min_score), ("max_score", max_score)) if v is not None}
    if score_config:
        body["score_config"] = score_config
    if passing_score is not None:
        body["passing_conditions"] = {"primary_score": {"operator": "gte", "value": passing_score}}
    return body


def evaluator_detail(evaluator: dict[str, Any]) -> dict[str, Any]:
    return {**evaluator_record(evaluator), **{k: evaluator.get(k) for k in DETAIL_KEYS if evaluator.get(k) is not None}}


DETAIL_KEYS = ("score_config", "passing_conditions", "llm_config", "code_config")


async def create_evaluator(
    ctx: Context,
    name: Annotated[str, Field(min_length=1, description="The evaluator's name")],
    type: Annotated[
        Literal["llm", "code", "human"], Field(description="Who grades: a model, code or a person")
    ] = "llm",
    definition: Definition = None,
    model: Annotated[str, Field(description="LLM: the grading model, e.g. 'gpt-4o-mini'")] = "gpt-4o-mini",
    code: Code = None,
    score_type: Annotated[
        Literal["numerical", "boolean", "percentage", "text"], Field(description="What the grader returns")
    ] = "numerical",
    min_score: MinScore = None,
    max_score: MaxScore = None,
    passing_score: PassingScore = None,
    description: Annotated[str | None, Field(description="What it checks")] = None,
) -> Annotated[CallToolResult, EvaluatorDetail]:
    check_grader(type, definition, code)
    body: dict[str, Any] = {"name": name, "type": type, "score_value_type": score_type,
                            **scoring(min_score, max_score, passing_score)}  # fmt: skip
    if type == "llm":
        body["llm_config"] = {"model": model, "evaluator_definition": definition}
    elif type == "code":
        body["code_config"] = {"eval_code_snippet": code}
    if description:
        body["description"] = description
    with tool_errors():
        created = await api.create_evaluator(app_state(ctx).respan, body)
    new_id = str(created.get("id") or "")
    text = f"Created evaluator {new_id} {name!r} (a draft)." + (
        " People score it in Respan (or through the Scores API); it is not run." if type == "human" else
        f" Try it: run_evaluator(evaluator_id={new_id!r}, log_id=...); keep it: commit_evaluator; use it: "
        f"create_experiment(..., evaluator_ids=[{new_id!r}])."
    )  # fmt: skip
    return reply(ctx, text, EvaluatorDetail(**evaluator_detail(created)).model_dump())


async def update_evaluator(
    ctx: Context,
    evaluator_id: EvaluatorId,
    name: Annotated[str | None, Field(min_length=1, description="New name")] = None,
    description: Annotated[str | None, Field(description="New description")] = None,
    definition: Definition = None,
    model: Annotated[str | None, Field(description="LLM: the grading model")] = None,
    code: Code = None,
    min_score: MinScore = None,
    max_score: MaxScore = None,
    passing_score: PassingScore = None,
) -> Annotated[CallToolResult, EvaluatorDetail]:
    client = app_state(ctx).respan
    with tool_errors():
        current = await api.get(client, "evaluators", evaluator_id)
        if current.get("is_read_only"):
            raise ToolError(
                f"Evaluator {evaluator_id}'s newest version is committed (read-only): only a draft can change. "
                "Create a new evaluator, or commit_evaluator first if a draft should open."
            )
        body: dict[str, Any] = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
        body.update(scoring(min_score, max_score, passing_score))
        if definition is not None or model is not None:
            check_grader("llm", definition or (current.get("llm_config") or {}).get("evaluator_definition"), None)
            llm = dict(current.get("llm_config") or {})  # the whole config: a partial one could drop the rest
            llm.update({k: v for k, v in (("evaluator_definition", definition), ("model", model)) if v is not None})
            body["llm_config"] = llm
        if code is not None:
            check_grader("code", None, code)
            body["code_config"] = {**(current.get("code_config") or {}), "eval_code_snippet": code}
        if not body:
            raise ToolError("Nothing to change: give a field to update.")
        updated = await api.update(client, "evaluators", evaluator_id, body)
    detail = evaluator_detail(updated or {**current, **body})
    text = f"Updated evaluator {evaluator_id} (draft): {', '.join(body)}. Keep it: commit_evaluator."
    return reply(ctx, text, EvaluatorDetail(**detail).model_dump())


class EvaluatorChanged(BaseModel):
    evaluator_id: str
    action: str
    version: int | None = None


async def commit_evaluator(
    ctx: Context,
    evaluator_id: EvaluatorId,
    note: Annotated[str | None, Field(description="What changed (the version's description)")] = None,
) -> Annotated[CallToolResult, EvaluatorChanged]:
    with tool_errors():
        committed = await api.commit_evaluator(app_state(ctx).respan, evaluator_id, note)
    version = committed.get("version") if isinstance(committed.get("version"), int) else None
    text = (f"Committed evaluator {evaluator_id}" + (f" as version {version}" if version is not None else "")
            + f" (read-only; a new draft is open). Run that version: run_evaluator(evaluator_id='{evaluator_id}"
            + (f":{version}')." if version is not None else "')."))  # fmt: skip
    return reply(
        ctx, text, EvaluatorChanged(evaluator_id=evaluator_id, action="committed", version=version).model_dump()
    )


async def delete_evaluator(ctx: Context, evaluator_id: EvaluatorId) -> Annotated[CallToolResult, EvaluatorChanged]:
    with tool_errors():
        await api.delete(app_state(ctx).respan, "evaluators", evaluator_id)
    text = f"Deleted evaluator {evaluator_id} and all its versions."
    return reply(ctx, text, EvaluatorChanged(evaluator_id=evaluator_id, action="deleted").model_dump())


async def get_evaluator(ctx: Context, evaluator_id: EvaluatorId) -> Annotated[CallToolResult, EvaluatorDetail]:
    client = app_state(ctx).respan
    with tool_errors():
        evaluator = await api.get(client, "evaluators", evaluator_id)
        history = await recent_versions(ctx, "evaluators", evaluator_id)
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
        ("code", (evaluator.get("code_config") or {}).get("eval_code_snippet")),
    ):
        if value:
            lines.append(f"{label}: {clip(value if isinstance(value, str) else compact_json(value), 600)}")
    lines += render_versions(history)
    lines.append(f"Try it: run_evaluator(evaluator_id={record['id']!r}, log_id=...).")
    return reply(
        ctx, "\n".join(lines), EvaluatorDetail(**evaluator_detail(evaluator), versions=history or None).model_dump()
    )


class EvaluatorRun(BaseModel):
    evaluator_id: str
    score: float | None = None
    passed: bool | None = None
    reasoning: str | None = None
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
            input = input or as_text(log.get("prompt_messages") or log.get("input"))
            output = output or as_text(log.get("completion_message") or log.get("output"))
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
    given = result.get("evaluation_result")
    verdict: dict[str, Any] = given if isinstance(given, dict) else {}
    passed = next((v for v in (result.get("is_passed"), verdict.get("passed")) if isinstance(v, bool)), None)
    reasoning = clip(str(verdict.get("reasoning") or ""), 600) or None
    text = (
        f"Evaluator {evaluator_id}: score {score if score is not None else '-'}"
        + (f", {'passed' if passed else 'failed'}" if passed is not None else "")
        + (f" ({result.get('error_message')})" if result.get("error_message") else "")
        + (f"\nReasoning: {reasoning}" if reasoning else "")
    )
    cost = result.get("cost")
    run = EvaluatorRun(
        evaluator_id=evaluator_id,
        score=score,
        passed=passed,
        reasoning=reasoning,
        cost_usd=cost if isinstance(cost, (int, float)) else None,
        status=result.get("status") if isinstance(result.get("status"), str) else None,
        error=result.get("error_message") if isinstance(result.get("error_message"), str) else None,
    )
    return reply(ctx, text, run.model_dump())
