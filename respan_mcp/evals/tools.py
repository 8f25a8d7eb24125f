"""MCP skin of the evals toolset (opt-in): datasets, evaluators, experiments, workflows.

Each family's tools live in its own module; this one registers them. The shortcut users want:
`create_dataset(from_search=<a search_logs cursor>)` turns "the failing requests from yesterday"
(a search_logs query) into a dataset in one call.
"""

from __future__ import annotations

from mcp.server import MCPServer

from respan_mcp.evals.common import READ_ONLY, WRITES
from respan_mcp.evals.datasets import add_dataset_rows, create_dataset, get_dataset, list_datasets
from respan_mcp.evals.evaluators import create_evaluator, get_evaluator, list_evaluators, run_evaluator
from respan_mcp.evals.experiments import create_experiment, get_experiment, get_experiment_results, list_experiments
from respan_mcp.evals.workflows import get_workflow, list_workflows


def register(server: MCPServer, *, read_only: bool) -> None:
    server.add_tool(
        list_datasets,
        name="list_datasets",
        title="List datasets",
        annotations=READ_ONLY,
        description="Datasets (evaluation rows): id, name, status, row count.",
    )
    server.add_tool(
        get_dataset,
        name="get_dataset",
        title="One dataset",
        annotations=READ_ONLY,
        description="One dataset: status (imports run in the background) and its first rows.",
    )
    server.add_tool(
        list_evaluators,
        name="list_evaluators",
        title="List evaluators",
        annotations=READ_ONLY,
        description="Evaluators (LLM, code or human graders): id, name, type, score type.",
    )
    server.add_tool(
        get_evaluator,
        name="get_evaluator",
        title="One evaluator",
        annotations=READ_ONLY,
        description="One evaluator: score range, passing condition, model and definition.",
    )
    server.add_tool(
        list_experiments,
        name="list_experiments",
        title="List experiments",
        annotations=READ_ONLY,
        description="Experiments: id, name, status, progress, dataset.",
    )
    server.add_tool(
        get_experiment,
        name="get_experiment",
        title="One experiment",
        annotations=READ_ONLY,
        description="One experiment: status, workflow and each evaluator's average score over its rows.",
    )
    server.add_tool(
        get_experiment_results,
        name="get_experiment_results",
        title="Experiment rows",
        annotations=READ_ONLY,
        description="An experiment's rows: input, output, cost and scores, paged.",
    )
    server.add_tool(
        list_workflows,
        name="list_workflows",
        title="List workflows",
        annotations=READ_ONLY,
        description="Automations, monitors and evaluation pipelines: id, name, type, trigger, enabled.",
    )
    server.add_tool(
        get_workflow,
        name="get_workflow",
        title="One workflow",
        annotations=READ_ONLY,
        description="One workflow: its trigger and task chain (conditions, notifications, evals, webhooks).",
    )
    if read_only:
        return
    server.add_tool(
        create_dataset,
        name="create_dataset",
        title="Create a dataset",
        annotations=WRITES,
        description="Create a dataset from logs (a search_logs cursor, or a window and filters, or log "
        "ids), or empty. E.g. yesterday's failing requests in one call.",
    )
    server.add_tool(
        add_dataset_rows,
        name="add_dataset_rows",
        title="Add dataset rows",
        annotations=WRITES,
        description="Add rows ({input, output?, expected_output?, metadata?}) to a dataset; says which failed.",
    )
    server.add_tool(
        create_evaluator,
        name="create_evaluator",
        title="Create an LLM evaluator",
        annotations=WRITES,
        description="Create an LLM grader from instructions using {{input}}, {{output}}, {{expected_output}}, "
        "with a score range and passing score.",
    )
    server.add_tool(
        run_evaluator,
        name="run_evaluator",
        title="Run an evaluator",
        annotations=WRITES,
        description="Score one log (or an input/output pair) with an evaluator; spends credits.",
    )
    server.add_tool(
        create_experiment,
        name="create_experiment",
        title="Start an experiment",
        annotations=WRITES,
        description="Run a managed prompt (deployed) or a model over a dataset and score each row with "
        "evaluators; one experiment per variant to compare.",
    )
