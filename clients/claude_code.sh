# Claude Code (local, over stdio; the key stays in your environment):
claude mcp add respan --env RESPAN_API_KEY=your-respan-api-key -- /absolute/path/to/respan-mcp/.venv/bin/respan-mcp
# Remote (streamable HTTP):
claude mcp add --transport http respan-remote https://mcp.example.com/mcp --header "Authorization: Bearer your-respan-api-key"
