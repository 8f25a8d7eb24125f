"""The tool annotations every toolset uses, in one place (honest hints: clients decide what to confirm)."""

from mcp_types import ToolAnnotations

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=True)  # reads Respan
READ_ONLY_LOCAL = ToolAnnotations(read_only_hint=True, open_world_hint=False)  # reads this machine's docs index
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True)
# Edits overwrite what was there and deletes remove it: destructive; repeating either changes nothing more.
CHANGES = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True)
