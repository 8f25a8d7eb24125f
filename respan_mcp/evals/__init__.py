"""Evals: datasets, evaluators and experiments."""
