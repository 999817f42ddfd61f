"""Builds are incremental, batched, journaled and resumable; the stub embeds over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.knowledge.knowledge_helpers import corpus_workflow, service

from aixgo_cli.knowledge.build import build_index, index_state
from aixgo_cli.providers.embeddings import EmbeddingClient, Embeddings
from aixgo_cli.providers.errors import ProviderError
from aixgo_cli.testing.stub_model_server import StubModelServer

pytestmark = pytest.mark.slow  # embeddings through LiteLLM and the stub server


class KilledAfter:
    """Passes `calls` embedding requests through, then dies the way Ctrl-C or a kill would."""

    def __init__(self, inner: EmbeddingClient, calls: int) -> None:
        self.inner, self.left = inner, calls

    def embed(self, model: str, texts: list[str]) -> Embeddings:
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        return self.inner.embed(model, texts)


def texts_sent(stub: StubModelServer) -> list[int]:
    return list(stub.stats()["embedding_requests"])


def test_a_second_build_changes_nothing_and_an_edit_rebuilds_one_file(stub: StubModelServer, tmp_path: Path) -> None:
    _, knowledge = service(corpus_workflow(tmp_path, stub))
    spec, store = knowledge.specs["handbook"], knowledge.store("handbook")
    first = build_index(spec, store, knowledge.embedder)
    counts = store.counts()
    assert first.files == 10 and first.files_changed == 10 and first.chunks_written == counts["chunks"]
    assert first.texts_embedded == counts["chunks"] and counts["chunks_without_vectors"] == 0
    assert texts_sent(stub) == [8, 8, 8][: len(texts_sent(stub))] and max(texts_sent(stub)) <= 8  # batches of 8
    assert first.embedding_requests == len(texts_sent(stub)) == counts["embedding_calls"]
    assert counts["embedding_tokens"] == first.tokens > 0  # every request journaled with its usage
    assert not index_state(spec, store).stale

    again = build_index(spec, store, knowledge.embedder)
    assert (again.files_changed, again.chunks_written, again.embedding_requests) == (0, 0, 0)

    tires = tmp_path / "corpus" / "handbook" / "tires.md"
    tires.write_text(tires.read_text(encoding="utf-8") + "\n## Tubeless\n\nTubeless tires seal small holes.\n")
    state = index_state(spec, store)
    assert state.stale and state.changed == ["corpus/handbook/tires.md"]
    before = len(texts_sent(stub))
    edited = build_index(spec, store, knowledge.embedder)
    assert edited.files_changed == 1
    assert edited.texts_embedded == 1  # the unchanged sections of tires.md keep their vectors
    assert len(texts_sent(stub)) == before + 1
    assert knowledge.search("handbook", "tubeless tires seal holes", top_k=1).hits[0].source.endswith("tires.md")

    (tmp_path / "corpus" / "handbook" / "security.md").unlink()
    removed = build_index(spec, store, knowledge.embedder)
    assert removed.files_removed == 1
    assert all(h.source != "corpus/handbook/security.md" for h in knowledge.search("handbook", "GPS tracker").hits)


def test_a_build_killed_mid_way_continues_where_it_stopped(stub: StubModelServer, tmp_path: Path) -> None:
    _, knowledge = service(corpus_workflow(tmp_path, stub))
    spec, store = knowledge.specs["handbook"], knowledge.store("handbook")
    assert knowledge.embedder is not None
    with pytest.raises(KeyboardInterrupt):
        build_index(spec, store, KilledAfter(knowledge.embedder, 1))
    kept = store.counts()
    assert kept["chunks"] > 8 and kept["chunks_without_vectors"] == kept["chunks"] - 8  # the first batch is kept
    assert index_state(spec, store).stale
    resumed = build_index(spec, store, knowledge.embedder)
    assert resumed.files_changed == 0  # chunking was done and committed before the kill
    assert resumed.texts_embedded == kept["chunks_without_vectors"]
    assert sum(texts_sent(stub)) == kept["chunks"]  # every text embedded exactly once across both builds
    assert not index_state(spec, store).stale


def test_a_failing_embedding_endpoint_is_retried_then_reported(stub: StubModelServer, tmp_path: Path) -> None:
    _, knowledge = service(corpus_workflow(tmp_path, stub))
    spec, store = knowledge.specs["handbook"], knowledge.store("handbook")
    stub.fail_embeddings(1)
    report = build_index(spec, store, knowledge.embedder)  # one 500, then success: retried by aixgo
    assert report.embedding_requests == store.counts()["embedding_calls"]
    assert len(texts_sent(stub)) == report.embedding_requests + 1

    (tmp_path / "corpus" / "handbook" / "returns.md").write_text("# Returns\n\nNo more returns.\n")
    stub.fail_embeddings(10)
    with pytest.raises(ProviderError, match="gave up after 2 attempts"):
        build_index(spec, store, knowledge.embedder)
    assert index_state(spec, store).stale
    stub.fail_embeddings(0)
    assert build_index(spec, store, knowledge.embedder).texts_embedded == 1


def test_changing_the_embedding_model_re_embeds_everything(stub: StubModelServer, tmp_path: Path) -> None:
    path = corpus_workflow(tmp_path, stub)
    _, knowledge = service(path)
    build_index(knowledge.specs["handbook"], knowledge.store("handbook"), knowledge.embedder)
    knowledge.close()
    text = path.read_text(encoding="utf-8").replace("model: embedder,", "model: embedder2,")
    text = text.replace(
        "  - name: stub\n",
        "  - name: embedder2\n    provider: openai_compatible\n"
        f"    model: other-embedding\n    api_base: {stub.base_url}\n"
        "    api_key_secret: STUB_API_KEY\n  - name: stub\n",
    )
    path.write_text(text, encoding="utf-8")
    _, knowledge = service(path)
    spec, store = knowledge.specs["handbook"], knowledge.store("handbook")
    state = index_state(spec, store)
    assert state.stale and "the embedding model changed" in state.reasons
    report = build_index(spec, store, knowledge.embedder)
    assert report.files_changed == 0 and report.texts_embedded == store.counts()["chunks"]


def test_a_keyword_index_calls_no_model(stub: StubModelServer, tmp_path: Path) -> None:
    _, knowledge = service(corpus_workflow(tmp_path, None), embed=False)
    reports = knowledge.prepare()
    assert reports[0].embedding_requests == 0 and texts_sent(stub) == []
    assert knowledge.prepare() == []  # up to date: nothing to build
    hits = knowledge.search("handbook", "hydraulic disc brakes").hits
    assert hits[0].source == "corpus/handbook/brakes.md" and hits[0].vector_rank is None
