"""Opt-in gateway tools: the model catalogue and models side by side."""
