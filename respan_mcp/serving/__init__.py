"""How the server is reached and run, apart from what it does (capabilities never import from here)."""
