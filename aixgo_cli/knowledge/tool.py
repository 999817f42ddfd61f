"""The `retrieval` tool: a react agent searches a `knowledge:` index by calling it.

The model chooses the query, how many documents (up to the tool's `top_k`) and extra metadata filters;
the filters fixed in the workflow always apply and cannot be widened by the model. What the model sends
is only ever a search: it cannot change the index, its sources or anything else. The result is JSON
text: the documents, best first, each with its source, position and score.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aixgo_cli.config.model import AgentSpec, Workflow
from aixgo_cli.errors import UserError
from aixgo_cli.knowledge import KNOWLEDGE_TOOL_TYPES
from aixgo_cli.knowledge.search import SearchError
from aixgo_cli.knowledge.service import KnowledgeService, documents_json
from aixgo_cli.providers.types import Usage
from aixgo_cli.tools.base import Tool, ToolCallError


def retrieval_tools(
    spec: AgentSpec,
    workflow: Workflow,
    knowledge: KnowledgeService | None,
    charge: Callable[[Usage, str], None] | None = None,
) -> dict[str, Tool]:
    """The agent's `retrieval` tools, searching the run's knowledge indexes."""
    tools: dict[str, Tool] = {}
    for ref in spec.tools:
        definition = workflow.tools.get(ref.name)
        if definition is None or definition.get("type") not in KNOWLEDGE_TOOL_TYPES:
            continue
        if knowledge is None:
            raise UserError(
                f"tool '{ref.name}' searches knowledge index '{definition['knowledge']}', which was not opened "
                "for this run",
                hint="the caller of the engine must pass the workflow's knowledge (aixgo run does)",
            )
        tools[ref.name] = retrieval_tool(definition, knowledge, charge)
    return tools


def retrieval_tool(
    definition: Mapping[str, Any], knowledge: KnowledgeService, charge: Callable[[Usage, str], None] | None
) -> Tool:
    index = str(definition["knowledge"])
    spec = knowledge.specs[index]
    most = int(definition.get("top_k") or spec.top_k)
    fixed = dict(definition.get("filters") or {})
    mode = definition.get("mode")
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 1, "description": "What to look for, in words."},
            "top_k": {
                "type": "integer",
                "minimum": 1,
                "description": f"Documents wanted; more than {most} gives {most}.",
            },
            "filters": {
                "type": "object",
                "description": 'Metadata that documents must have, e.g. {"source": "faq/*.md"}.',
                "additionalProperties": {"type": ["string", "number", "boolean"]},
            },
        },
        "required": ["query"],
        "additionalProperties": False,
    }
    about = f" It holds: {spec.description}." if spec.description else ""
    description = definition.get("description") or (
        f"Search the knowledge index '{index}' and return the best-matching documents with their source and "
        f"position.{about}"
    )

    def run(args: dict[str, Any], _key: str) -> str:
        filters = {**dict(args.get("filters") or {}), **fixed}  # the workflow's filters win
        try:
            result = knowledge.search(
                index, str(args["query"]), top_k=min(int(args.get("top_k") or most), most), mode=mode, filters=filters
            )
        except SearchError as exc:
            raise ToolCallError(str(exc)) from None
        if charge is not None and (result.usage.prompt_tokens or result.usage.cost_usd):
            charge(result.usage, spec.embedding_model or index)
        return json.dumps(documents_json(str(args["query"]), result.hits), ensure_ascii=False)

    return Tool(str(definition["name"]), str(description), definition.get("input_schema") or schema, True, run)
