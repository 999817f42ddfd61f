"""`aixgo serve`: workflows as MCP tools and an HTTP API behind keys, roles, TLS and limits, and the runs
page for a browser.

Starlette, uvicorn and the MCP SDK are imported only inside the functions that build or start the
server, so `aixgo --help` and `validate` never load them.
"""
