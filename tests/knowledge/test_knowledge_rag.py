"""The rag pattern and the retrieval tool in real runs: journaled retrievals, replayed on resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.engine.engine_helpers import Harness, by_model, tool_call
from tests.knowledge.knowledge_helpers import corpus_workflow, service

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.knowledge.service import KnowledgeService, SearchResult
from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.providers.types import ChatRequest, ChatResponse

RAG_AGENTS = """\
agents:
  - {name: answer, role: react, model: openai/gen, prompt: "{{ input }}"}
  - {name: expand, role: react, model: openai/exp, prompt: "{{ input }}"}
  - {name: rank, role: react, model: openai/rank, prompt: "{{ input }}"}
orchestration:
  pattern: rag
  config: {retriever: handbook, generator: answer, top_k: 2}
"""


class CountingKnowledge(KnowledgeService):
    searches = 0

    def search(self, name: str, query: str, **options: Any) -> SearchResult:
        self.searches += 1
        return super().search(name, query, **options)


def prepared(path: Path) -> CountingKnowledge:
    workflow, _ = service(path, embed=False)
    knowledge = CountingKnowledge(workflow, None)
    knowledge.prepare()
    return knowledge


def last_user(request: ChatRequest) -> str:
    return request.last_user_text()


def test_rag_retrieves_then_generates_from_the_numbered_documents(sql: Harness) -> None:
    path = corpus_workflow(sql.root, None, agents=RAG_AGENTS)
    seen: list[str] = []

    def generate(request: ChatRequest) -> str:
        seen.append(last_user(request))
        return "Clean the rotor with isopropyl alcohol."

    outcome = sql.runner(by_model({"openai/gen": generate}), knowledge=prepared(path)).start(
        sql.load(), RunParams(input="my brakes squeal when I stop")
    )
    assert outcome.status == "completed", outcome.error
    assert outcome.result == "Clean the rotor with isopropyl alcohol."
    prompt = seen[0]
    assert prompt.startswith("Context:\n[1] (corpus/handbook/brakes.md:")
    assert "[2]" in prompt and "[3]" not in prompt  # top_k: 2
    assert prompt.endswith("Query:\nmy brakes squeal when I stop")
    units = sql.units(outcome.run_id)
    retrieval = next(u for place, u in units.items() if place.endswith("/1.0:handbook"))
    assert retrieval.output_json is not None
    documents = json.loads(retrieval.output_json)["documents"]
    assert documents[0]["source"] == "corpus/handbook/brakes.md" and documents[0]["line_start"] >= 1


def test_resume_replays_the_documents_instead_of_searching_again(sql: Harness) -> None:
    path = corpus_workflow(sql.root, None, agents=RAG_AGENTS)
    knowledge = prepared(path)
    broken = ProviderError("openai/gen: HTTP 400: bad", kind="bad_request", retryable=False, model="openai/gen")
    failed = sql.runner(by_model({"openai/gen": broken}), knowledge=knowledge).start(
        sql.load(), RunParams(input="how do I fix a flat tire")
    )
    assert failed.status == "failed"
    assert knowledge.searches == 1
    prompts: list[str] = []

    def generate(request: ChatRequest) -> str:
        prompts.append(last_user(request))
        return "Patch the tube."

    resumed = sql.resume(failed.run_id, by_model({"openai/gen": generate}), runner_options={"knowledge": knowledge})
    assert resumed.status == "completed" and resumed.result == "Patch the tube."
    assert knowledge.searches == 1  # the retrieval unit was replayed from the journal
    assert "corpus/handbook/tires.md" in prompts[0]


def test_multi_query_expansion_and_reranking(sql: Harness) -> None:
    agents = RAG_AGENTS.replace(
        "config: {retriever: handbook, generator: answer, top_k: 2}",
        "config: {retriever: handbook, generator: answer, expander: expand, reranker: rank, top_k: 2, max_queries: 2}",
    )
    path = corpus_workflow(sql.root, None, agents=agents)
    rerank_prompts: list[str] = []
    prompts: list[str] = []

    def rank(request: ChatRequest) -> str:
        rerank_prompts.append(last_user(request))
        text = last_user(request)
        number = next(n for n in range(1, 10) if f"[{n}] (corpus/handbook/warranty.md" in text)
        return f"[{number}]"

    def generate(request: ChatRequest) -> str:
        prompts.append(last_user(request))
        return "done"

    client = by_model(
        {
            "openai/exp": '["brake pad replacement", "warranty wear parts", "third"]',
            "openai/rank": rank,
            "openai/gen": generate,
        }
    )
    outcome = sql.runner(client, knowledge=prepared(path)).start(sql.load(), RunParams(input="are brake pads covered"))
    assert outcome.status == "completed", outcome.error
    places = sorted(p.rsplit("/", 1)[1] for p in sql.units(outcome.run_id))
    assert places == ["0:expand", "1.0:handbook", "1.1:handbook", "1.2:handbook", "2:rank", "3:answer"]
    assert "Documents:\n[1]" in rerank_prompts[0]
    assert prompts[0].startswith("Context:\n[1] (corpus/handbook/warranty.md")  # the reranker's choice first


def test_a_react_agent_searches_with_the_retrieval_tool(sql: Harness) -> None:
    agents = """\
tools:
  - {name: search, type: retrieval, knowledge: handbook, top_k: 2, filters: {format: markdown}}
agents:
  - {name: helper, role: react, model: openai/gen, prompt: "{{ input }}", tools: [search]}
"""
    path = corpus_workflow(sql.root, None, agents=agents)

    def react(request: ChatRequest) -> ChatResponse | str:
        results = [m for m in request.messages if m.role == "tool"]
        if not results:
            return tool_call("search", {"query": "charge battery hours", "top_k": 5, "filters": {"format": "jsonl"}})
        found = json.loads(results[-1].content or "{}")
        return "sources: " + ", ".join(d["source"] for d in found["documents"])

    outcome = sql.runner(by_model({"openai/gen": react}), knowledge=prepared(path)).start(
        sql.load(), RunParams(input="how long to charge?")
    )
    assert outcome.status == "completed", outcome.error
    # top_k capped at the tool's 2; the workflow's filter (markdown) wins over the model's (jsonl)
    assert outcome.result == "sources: corpus/handbook/batteries.md, corpus/handbook/batteries.md"
    call = sql.calls(outcome.run_id, "tool")[0]
    assert call.response_json is not None and "batteries.md" in call.response_json


def test_an_agent_can_be_the_retriever(sql: Harness) -> None:
    sql.write("""\
        version: 1
        name: rag-agent
        agents:
          - {name: fetch, role: react, model: openai/ret, prompt: "Find documents for {{ input }}"}
          - {name: answer, role: react, model: openai/gen, prompt: "{{ input }}"}
        orchestration:
          pattern: rag
          config: {retriever: fetch, generator: answer, top_k: 2}
        """)
    asked: list[str] = []

    def retrieve(request: ChatRequest) -> str:
        asked.append(last_user(request))
        return "first document\n---\nsecond document\n---\nthird document"

    prompts: list[str] = []

    def generate(request: ChatRequest) -> str:
        prompts.append(last_user(request))
        return "ok"

    outcome = sql.start(by_model({"openai/ret": retrieve, "openai/gen": generate}), RunParams(input="tires"))
    assert outcome.status == "completed", outcome.error
    assert json.loads(asked[0].removeprefix("Find documents for ")) == {"query": "tires", "top_k": 2}
    assert prompts[0] == "Context:\n[1]\nfirst document\n\n[2]\nsecond document\n\nQuery:\ntires"


def test_rag_filters_reach_the_index(sql: Harness) -> None:
    agents = RAG_AGENTS.replace(
        "config: {retriever: handbook, generator: answer, top_k: 2}",
        "config: {retriever: handbook, generator: answer, top_k: 3, filters: {category: billing}}",
    )
    path = corpus_workflow(sql.root, None, agents=agents)
    prompts: list[str] = []

    def generate(request: ChatRequest) -> str:
        prompts.append(last_user(request))
        return "ok"

    outcome = sql.runner(by_model({"openai/gen": generate}), knowledge=prepared(path)).start(
        sql.load(), RunParams(input="delivery address and battery charging")
    )
    assert outcome.status == "completed", outcome.error
    sources = [line for line in prompts[0].splitlines() if line.startswith("[")]
    assert sources and all("corpus/faq.jsonl" in line for line in sources)  # no handbook page passed the filter
