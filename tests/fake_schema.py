"""What each endpoint of the fake Respan accepts: query parameters and top-level body fields.

The real API's serializers refuse what they do not know on the endpoints that validate, and a
misspelled field must fail a test rather than be dropped in silence (issue 23). So every route the
fake serves is listed here, from `respan-api.md` and `respan-api-more.md` ("Corrections, round 3"
first), and anything else in a request is a 400 that names it. `None` means free-form (a proxy body).
Paths are the fake's route templates (with their trailing slash).
"""

from __future__ import annotations

from typing import Any

PAGING = {"page", "page_size", "sort_by"}
WINDOW = {"start_time", "end_time"}
LOG_ENV = {"is_test", "all_envs", "environment"}

OPENAI_CHAT = {
    "model", "messages", "stream", "stream_options", "temperature", "top_p", "max_tokens", "max_completion_tokens",
    "n", "stop", "frequency_penalty", "presence_penalty", "logit_bias", "logprobs", "top_logprobs", "tools",
    "tool_choice", "parallel_tool_calls", "response_format", "reasoning_effort", "verbosity", "seed", "thinking",
    "user", "modalities", "audio", "prediction", "service_tier", "store", "metadata",
}  # fmt: skip
RESPAN_PARAMS = {
    "customer_identifier", "customer_params", "custom_identifier", "thread_identifier", "group_identifier",
    "trace_unique_id", "span_name", "span_workflow_name", "span_parent_id", "fallback_models", "load_balance_group",
    "load_balance_models", "retry_params", "cache_enabled", "cache_ttl", "cache_options", "customer_credentials",
    "credential_override", "model_name_map", "disable_log", "request_breakdown", "prompt", "respan_params",
    "customer_email", "positive_feedback", "prompt_group_id", "exclude_models", "exclude_providers",
}  # fmt: skip
LOG_FIELDS = {
    "model", "input", "output", "prompt_messages", "completion_message", "log_type", "usage", "cost", "latency",
    "generation_time", "time_to_first_token", "ttft", "customer_identifier", "customer_params", "metadata",
    "thread_identifier", "custom_identifier", "group_identifier", "status_code", "error_message", "timestamp",
    "start_time", "prompt_tokens", "completion_tokens", "stream", "trace_unique_id", "span_name",
    "span_workflow_name", "span_parent_id", "span_unique_id", "prompt_id", "tools", "tool_choice", "warnings",
    "status", "environment", "temperature", "max_tokens", "positive_feedback", "note", "full_request",
    "full_response", "response_format", "provider_id", "tokens_per_second",
}  # fmt: skip
# Prompt version bodies: the fixed list of SDK 0.1.49 (Corrections, round 3), plus `deploy` on writes.
VERSION_FIELDS = {
    "messages", "description", "thinking", "model", "stream", "temperature", "max_tokens", "top_p",
    "frequency_penalty", "presence_penalty", "reasoning_effort", "verbosity", "seed", "variables", "fallback_models",
    "load_balance_models", "tools", "tool_choice", "response_format", "json_schema", "is_enforcing_response_format",
    "deploy",
}  # fmt: skip
DATASET_ROW = {"input", "output", "expected_output", "prompt", "completion", "metadata", "metrics"}
EVALUATOR_FIELDS = {
    "name", "type", "score_value_type", "evaluator_slug", "eval_class", "description", "starred",
    "categorical_choices", "score_config", "passing_conditions", "llm_config", "code_config", "tags",
    "version_description",
}  # fmt: skip
WORKFLOW_FIELDS = {"type", "name", "description", "trigger_event_type", "tasks", "is_starred", "workflow_id"}
EXPERIMENT_FIELDS = {
    "dataset_id", "workflow", "workflows", "evaluator_workflow_ids", "evaluator_slugs", "name", "description",
    "experiment_id", "span_workflow_name", "enable_tracing", "batch_size", "concurrency", "generation_method",
}  # fmt: skip

# (method, route) -> (query parameters, body fields); None: not checked.
ACCEPTS: dict[tuple[str, str], tuple[set[str] | None, set[str] | None]] = {
    ("GET", "/api/things/"): (None, None),  # tests/test_faults.py's own route
    ("POST", "/api/things/"): (None, None),
    # The other doors take their provider's own body (free-form here); embeddings its documented fields.
    ("POST", "/api/responses/"): (set(), None),
    ("POST", "/api/anthropic/v1/messages/"): (set(), None),
    ("POST", "/api/google/gemini/v1beta/models/{model}:{method}/"): ({"alt"}, None),
    ("POST", "/api/embeddings/"): (
        set(),
        {"model", "input", "encoding_format", "dimensions", "user", *RESPAN_PARAMS, "customer_email"},
    ),
    ("POST", "/api/chat/completions"): (set(), OPENAI_CHAT | RESPAN_PARAMS),
    ("POST", "/api/request-logs/list/"): (
        WINDOW | PAGING | LOG_ENV | {"include_fields", "log_type"},
        {"filters", "operator"},
    ),
    ("POST", "/api/request-logs/summary/"): (WINDOW | LOG_ENV, {"filters", "operator"}),
    ("POST", "/api/request-logs/create/"): (set(), LOG_FIELDS),
    ("POST", "/api/request-logs/"): (set(), LOG_FIELDS),
    ("GET", "/api/request-logs/{unique_id}/"): (LOG_ENV, set()),
    ("PATCH", "/api/request-logs/{unique_id}/"): (set(), {"is_pinned", "positive_feedback", "note", "metadata"}),
    ("POST", "/api/traces/list/"): (WINDOW | PAGING | LOG_ENV, {"filters", "operator"}),
    ("GET", "/api/traces/{trace_id}/"): (WINDOW | LOG_ENV, set()),
    ("POST", "/api/prompts/list/"): (PAGING, {"filters", "operator"}),
    ("GET", "/api/prompts/"): (PAGING | {"name", "search"}, set()),
    ("GET", "/api/prompts/{prompt_id}/"): (set(), set()),
    ("GET", "/api/prompts/{prompt_id}/versions/"): (PAGING, set()),
    ("GET", "/api/prompts/{prompt_id}/versions/{number}/"): (set(), set()),
    ("POST", "/api/prompts/"): (set(), {"name", "description"}),
    ("PATCH", "/api/prompts/{prompt_id}/"): (set(), {"name", "description", "deploy"}),
    ("POST", "/api/prompts/{prompt_id}/versions/"): (set(), VERSION_FIELDS),
    ("PATCH", "/api/prompts/{prompt_id}/versions/{number}/"): (set(), VERSION_FIELDS),
    ("DELETE", "/api/users/{customer_id:path}/"): ({"environment"}, set()),
    ("POST", "/api/prompts/{prompt_id}/commits/"): (set(), {"description"}),
    ("POST", "/api/users/list/"): (PAGING | {"environment"}, {"filters"}),
    ("GET", "/api/users/{customer_id:path}/"): ({"environment"}, set()),
    ("PATCH", "/api/users/{customer_id:path}/"): (
        {"environment"},
        {
            "email",
            "name",
            "metadata",
            "period_budget",
            "budget_duration",
            "total_budget",
            "period_start",
            "period_end",
            "markup_percentage",
        },
    ),
    ("POST", "/api/datasets/list/"): (PAGING, {"filters"}),
    ("POST", "/api/datasets/"): (
        set(),
        {
            "name",
            "description",
            "is_empty",
            "start_time",
            "end_time",
            "sampling",
            "initial_log_filters",
            "source_dataset_id",
            "type",
        },
    ),
    ("GET", "/api/datasets/{dataset_id}/"): (set(), set()),
    ("PATCH", "/api/datasets/{dataset_id}/"): (set(), {"name", "description", "starred", "tags"}),
    ("DELETE", "/api/datasets/{dataset_id}/"): (set(), set()),
    ("POST", "/api/datasets/{dataset_id}/logs/list/"): (
        PAGING | {"include_fields"},
        {"filters", "is_exporting", "export_format", "name"},
    ),
    ("POST", "/api/datasets/{dataset_id}/logs/bulk/"): (
        set(),
        {"logs", "start_time", "end_time", "filters", "sampling_percentage"},
    ),
    ("DELETE", "/api/datasets/{dataset_id}/logs/delete/"): (set(), {"is_deleting_all_logs", "filters"}),
    ("POST", "/api/datasets/{dataset_id}/logs/summary/"): (set(), {"filters"}),
    ("GET", "/api/datasets/{dataset_id}/logs/{row_id}/"): (set(), set()),
    ("PATCH", "/api/datasets/{dataset_id}/logs/{row_id}/"): (set(), DATASET_ROW),
    ("DELETE", "/api/datasets/{dataset_id}/logs/{row_id}/"): (set(), set()),
    ("POST", "/api/datasets/{dataset_id}/eval-reports/create/"): (
        set(),
        {"evaluator_slugs", "experiment_id", "generation_method"},
    ),
    ("GET", "/api/datasets/{dataset_id}/eval-reports/list/"): (PAGING, set()),
    ("GET", "/api/evaluators/"): (PAGING | {"search", "type", "score_value_type", "starred", "tags"}, set()),
    ("POST", "/api/evaluators/"): (set(), EVALUATOR_FIELDS),
    ("GET", "/api/evaluators/{evaluator_id}/"): (set(), set()),
    ("PATCH", "/api/evaluators/{evaluator_id}/"): (set(), EVALUATOR_FIELDS),
    ("DELETE", "/api/evaluators/{evaluator_id}/"): (set(), set()),
    ("POST", "/api/evaluators/{evaluator_id}/run/"): (
        set(),
        {"inputs", "generation_method", "evaluator_id", "log_ids"},
    ),
    ("GET", "/api/evaluators/{evaluator_id}/versions/"): (PAGING, set()),
    ("POST", "/api/evaluators/{evaluator_id}/versions/"): (set(), EVALUATOR_FIELDS),
    ("POST", "/api/v2/experiments/list/"): (PAGING, {"filters"}),
    ("POST", "/api/v2/experiments/"): (set(), EXPERIMENT_FIELDS),
    ("GET", "/api/v2/experiments/{experiment_id}/"): (set(), set()),
    ("DELETE", "/api/v2/experiments/{experiment_id}/"): (set(), set()),
    ("POST", "/api/v2/experiments/{experiment_id}/logs/list/"): (PAGING | WINDOW | {"detail"}, {"filters"}),
    ("GET", "/api/v2/experiments/{experiment_id}/logs/{row_id}/"): (set(), set()),
    ("POST", "/api/workflows/list/"): (PAGING | {"name"}, {"filters"}),
    ("GET", "/api/workflows/{workflow_id}/"): (set(), set()),
    ("POST", "/api/workflows/"): (set(), WORKFLOW_FIELDS),
    ("PATCH", "/api/workflows/{workflow_id}/"): (set(), WORKFLOW_FIELDS - {"type", "workflow_id"}),
    ("GET", "/api/workflows/{workflow_id}/versions/"): (PAGING, set()),
    ("POST", "/api/workflows/{workflow_id}/commits/"): (set(), {"description"}),
    ("POST", "/api/workflows/{workflow_id}/deployments/"): (set(), {"version"}),
    ("DELETE", "/api/workflows/{workflow_id}/deployments/"): (set(), set()),
    ("POST", "/api/workflows/{workflow_id}/validations/"): (set(), {"log_id"}),
}


def refused(method: str, route: str, query: dict[str, str], body: Any) -> str | None:
    """What in a request the endpoint does not accept, as Respan's 400 would say it; None when all is known."""
    accepted = ACCEPTS.get((method, route if route.endswith("/") else route + "/"))
    if accepted is None:
        accepted = ACCEPTS.get((method, route))
    if accepted is None:
        return f"the fake has no schema for {method} {route}: add it to tests/fake_schema.py"
    allowed_query, allowed_body = accepted
    if allowed_query is not None:
        unknown = sorted(set(query) - allowed_query)
        if unknown:
            return f"Unknown query parameter(s): {', '.join(unknown)}"
    if allowed_body is not None and isinstance(body, dict):
        unknown = sorted(set(body) - allowed_body)
        if unknown:
            return f"Unknown field(s): {', '.join(unknown)}"
    return None
