"""The MCP server for agents (docs/mcp.md): tools in server.py, identity in auth.py, the
streamable-HTTP endpoint in http.py; stdio is ``manage.py mcp``."""
