"""MCP skin of the evals toolset (opt-in): datasets, evaluators, experiments, workflows.

Each family's tools live in its own module; this one registers them. The shortcut users want:
`create_dataset(from_search=<a search_logs cursor>)` turns "the failing requests from yesterday"
(a search_logs query) into a dataset in one call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp.server import MCPServer

from respan_mcp.annotations import CHANGES as DESTRUCTIVE
from respan_mcp.annotations import READ_ONLY, WRITES
from respan_mcp.evals import annotate, datasets, evaluators, experiments, workflows

# (function, title, description) per tool, in the order a model meets them.
Tool = tuple[Callable[..., Any], str, str]
READS: list[Tool] = [
    (datasets.list_datasets, "List datasets", "Datasets (evaluation rows): id, name, status, row count."),
    (datasets.get_dataset, "One dataset",
     "One dataset: status (imports run in the background), totals, recent eval runs, first rows."),
    (datasets.list_dataset_rows, "Dataset rows", "A dataset's rows: input, output, expected output, scores; paged."),
    (datasets.get_dataset_row, "One dataset row",
     "One row in full: input, output, expected output, metadata, scores."),
    (evaluators.list_evaluators, "List evaluators",
     "Evaluators (LLM, code or human graders): id, name, type, score type."),
    (evaluators.get_evaluator, "One evaluator",
     "One evaluator: score range, passing condition, model and definition or code, versions."),
    (experiments.list_experiments, "List experiments", "Experiments: id, name, status, progress, dataset."),
    (experiments.get_experiment, "One experiment",
     "One experiment: status, workflow and each evaluator's average score over its rows."),
    (experiments.get_experiment_results, "Experiment rows",
     "An experiment's rows: input, output, cost and scores, paged."),
    (experiments.get_experiment_row, "One experiment row",
     "One experiment row in full: input, output, expected output, scores and its span tree."),
    (workflows.list_workflows, "List workflows",
     "Automations, monitors and evaluation pipelines: id, name, type, trigger, enabled."),
    (workflows.get_workflow, "One workflow",
     "One workflow: its trigger, task chain (conditions, notifications, evals, webhooks) and versions."),
]  # fmt: skip
CREATES: list[Tool] = [
    (datasets.create_dataset, "Create a dataset",
     "Create a dataset from logs (a search_logs cursor, or a window and filters, or log ids), or empty. "
     "E.g. yesterday's failing requests in one call."),
    (datasets.add_dataset_rows, "Add dataset rows",
     "Add rows ({input, output?, expected_output?, metadata?}) to a dataset; says which failed."),
    (datasets.import_dataset_rows, "Import logs into a dataset",
     "Add logs to an existing dataset: a search_logs cursor, or a window and filters, or log ids."),
    (datasets.evaluate_dataset, "Score a dataset",
     "Run evaluators over every row of a dataset (no experiment needed); spends credits."),
    (evaluators.create_evaluator, "Create an evaluator",
     "Create a grader: LLM (instructions using {{input}}, {{output}}, {{expected_output}}), code (a Python "
     "main) or human, with a score range and passing score."),
    (evaluators.commit_evaluator, "Commit an evaluator",
     "Freeze the evaluator's draft as a version (a new draft opens)."),
    (annotate.annotate_log, "Annotate a log",
     "Record a user's feedback (thumbs up/down), a note, a pin or metadata on a stored log."),
    (evaluators.run_evaluator, "Run an evaluator",
     "Score one log (or an input/output pair) with an evaluator; spends credits."),
    (experiments.create_experiment, "Start an experiment",
     "Run a managed prompt (deployed) or a model over a dataset and score each row with evaluators or "
     "pipelines; one experiment per variant to compare."),
    (workflows.create_workflow, "Create a workflow",
     "Create an automation or monitor (a task chain on a trigger), or an evaluation pipeline from evaluators "
     "(weighted average). A draft: validate, commit, deploy."),
    (workflows.commit_workflow, "Commit a workflow", "Freeze the workflow's draft as a version."),
    (workflows.validate_workflow, "Test a workflow",
     "Run a workflow once on a log or sample data and show each task's result (notifications may really send)."),
]  # fmt: skip
CHANGES: list[Tool] = [
    (datasets.update_dataset, "Rename a dataset", "Change a dataset's name or description."),
    (datasets.update_dataset_row, "Edit a dataset row",
     "Change a row's input, output, expected output or metadata (e.g. set the reference answer)."),
    (datasets.remove_dataset_rows, "Remove dataset rows", "Remove rows (by id, or all) from a dataset."),
    (datasets.delete_dataset, "Delete a dataset", "Delete a dataset and its rows."),
    (evaluators.update_evaluator, "Edit an evaluator",
     "Change an evaluator's draft: name, definition, model, code, scores."),
    (evaluators.delete_evaluator, "Delete an evaluator", "Delete an evaluator and all its versions."),
    (experiments.delete_experiment, "Delete an experiment", "Delete an experiment and its rows."),
    (workflows.update_workflow, "Edit a workflow", "Change a workflow's draft: name, description, trigger, tasks."),
    (workflows.deploy_workflow, "Deploy a workflow",
     "Make a committed workflow version live, or stop it (undeploy=true)."),
]  # fmt: skip


def register(server: MCPServer, *, read_only: bool) -> None:
    groups = [(READS, READ_ONLY)] + ([] if read_only else [(CREATES, WRITES), (CHANGES, DESTRUCTIVE)])
    for tools, hints in groups:
        for function, title, description in tools:
            server.add_tool(function, name=function.__name__, title=title, description=description, annotations=hints)
