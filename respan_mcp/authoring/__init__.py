"""Prompt authoring: create prompts and versions, edit drafts, deploy with a preview of the change."""
