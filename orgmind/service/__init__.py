"""orgmind as a service: the REST API, the MCP server and their shared state."""
