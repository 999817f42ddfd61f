"""`aixgo serve`: workflows served over HTTP and MCP, and the runs page for a browser."""
