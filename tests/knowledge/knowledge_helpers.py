"""A workflow over the shipped corpus, copied into a temporary folder, and the stub as embedding model."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

from aixgo_cli.config.model import Workflow, load_workflow
from aixgo_cli.knowledge.service import KnowledgeService
from aixgo_cli.providers.embeddings import EmbeddingClient, build_embedding_client
from aixgo_cli.providers.retry import RetryPolicy
from aixgo_cli.testing.stub_model_server import StubModelServer

CORPUS = Path(__file__).resolve().parent / "corpus"
STUB_KEY = "sk-stub-key-not-secret-00000000"


def queries() -> list[dict[str, str]]:
    return [json.loads(line) for line in (CORPUS / "queries.jsonl").read_text(encoding="utf-8").splitlines()]


def embedding_service(stub: StubModelServer) -> str:
    return f"""\
model_services:
  - name: embedder
    provider: openai_compatible
    model: stub-embedding
    api_base: {stub.base_url}
    api_key_secret: STUB_API_KEY
    retry: {{max_attempts: 2, initial_backoff: 10ms, max_backoff: 20ms}}
  - name: stub
    provider: openai_compatible
    model: stub-model
    api_base: {stub.base_url}
    api_key_secret: STUB_API_KEY
    retry: {{max_attempts: 2, initial_backoff: 10ms, max_backoff: 20ms}}
"""


def corpus_workflow(
    folder: Path,
    stub: StubModelServer | None,
    *,
    index: str = "",
    extra: str = "",
    agents: str = "",
) -> Path:
    """Copy the corpus into `folder` and write a workflow over it; returns the workflow's path."""
    shutil.copytree(CORPUS, folder / "corpus", dirs_exist_ok=True)
    embedding = "    embedding: {model: embedder, batch_size: 8}\n" if stub is not None else ""
    body = index or (
        "  handbook:\n"
        "    description: The Harbor e-bike handbook and FAQ.\n"
        "    sources:\n"
        "      - path: corpus/handbook/*\n"
        "      - path: corpus/faq.jsonl\n"
        "        text_field: answer\n"
        "        metadata_fields: [category, id]\n"
        "    chunking: {size: 400, overlap: 40}\n" + embedding
    )
    model = "stub" if stub is not None else "openai/gpt-4o-mini"
    agents = agents or (
        f"agents:\n  - name: answer\n    role: react\n    model: {model}\n    prompt: 'Answer: {{{{ input }}}}'\n"
    )
    text = (
        "version: 1\nname: kb-test\n"
        + (embedding_service(stub) if stub is not None else "")
        + textwrap.dedent(extra)
        + agents
        + "knowledge:\n"
        + body
    )
    path = folder / "workflow.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def stub_embedder(workflow: Workflow, sleep: Any = None) -> EmbeddingClient:
    return build_embedding_client(
        lambda name: STUB_KEY,
        workflow.model_services.values(),
        policy=RetryPolicy(max_attempts=2, base_delay_s=0.0, max_delay_s=0.0),
        sleep=sleep or (lambda s: None),
    )


def service(path: Path, *, embed: bool = True) -> tuple[Workflow, KnowledgeService]:
    workflow = load_workflow(path)
    return workflow, KnowledgeService(workflow, stub_embedder(workflow) if embed else None)
