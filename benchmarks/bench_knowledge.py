"""Knowledge index figures: build time per 1,000 chunks, query latency p50/p99 at 10k and 100k chunks for
keyword (FTS5 BM25), vector (numpy exact cosine) and hybrid (RRF) search, and index size per chunk.

* build, keyword only: real files (Markdown, ~400-character chunks) through `build_index`;
* build, with embeddings: the same through LiteLLM over real HTTP to the local stub server, batches of 64
  (the stub answers in microseconds, so this is aixgo's and LiteLLM's own cost, not a provider's);
* queries at 10k / 100k chunks: an index filled directly through the store with synthetic text and
  synthetic unit vectors (no HTTP), searched with `Searcher`; the query vector is synthetic too, so the
  figures exclude the query embedding call a real vector search makes.

Prints figures; judging them is for people. Keeps a full run under ~60 s on the 2-core machine.

    python benchmarks/bench_knowledge.py [--sizes 10000,100000] [--dims 384] [--queries 200] [--build 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aixgo_cli.knowledge.build import build_index
from aixgo_cli.knowledge.search import Searcher
from aixgo_cli.knowledge.spec import ChunkingSpec, IndexSpec, SourceSpec
from aixgo_cli.knowledge.vectors import load_numpy
from aixgo_cli.providers.embeddings import build_embedding_client
from aixgo_cli.store.knowledge_index import KnowledgeIndexStore, StoredChunk
from aixgo_cli.testing.stub_model_server import StubModelServer

RNG = random.Random(7)
VOCABULARY = [f"w{n}" for n in range(5000)] + [
    "battery",
    "brake",
    "tire",
    "chain",
    "motor",
    "display",
    "warranty",
    "refund",
]


def sentence(words: int) -> str:
    return " ".join(RNG.choice(VOCABULARY) for _ in range(words))


def spec(base: Path, name: str, model: str | None) -> IndexSpec:
    return IndexSpec(
        name=name,
        base_dir=base,
        workflow_name="bench",
        workflow_path=base / "bench.yaml",
        sources=(SourceSpec("docs/*.md"),),
        chunking=ChunkingSpec(size=400, overlap=40, by_heading=True),
        embedding_model=model,
        batch_size=64,
        mode="hybrid" if model else "keyword",
        top_k=5,
        rrf_k=60,
        on_stale="build",
    )


def write_docs(base: Path, chunks: int) -> None:
    docs = base / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    per_file = 50
    for f in range(chunks // per_file):
        sections = [f"## Section {s}\n\n{sentence(55)}\n" for s in range(per_file)]
        (docs / f"doc{f:04d}.md").write_text(f"# Doc {f}\n\n" + "\n".join(sections), encoding="utf-8")


def bench_build(base: Path, chunks: int, stub: StubModelServer) -> None:
    write_docs(base, chunks)
    keyword = spec(base, "kw", None)
    store = KnowledgeIndexStore(base / "kw.sqlite")
    started = time.perf_counter()
    report = build_index(keyword, store, None)
    seconds = time.perf_counter() - started
    print(
        f"build, keyword only: {report.chunks_written} chunks in {seconds:.2f} s "
        f"= {seconds / report.chunks_written * 1000:.2f} s per 1,000 chunks"
    )
    started = time.perf_counter()
    again = build_index(keyword, store, None)
    print(f"rebuild with nothing changed: {time.perf_counter() - started:.2f} s ({again.files_changed} files changed)")
    store.close()

    service = {
        "name": "embedder",
        "provider": "openai_compatible",
        "model": "stub-embedding",
        "api_base": stub.base_url,
        "api_key_secret": "STUB_KEY",
    }
    client = build_embedding_client(lambda name: "sk-bench", [service])
    client.embed("embedder", ["warm up: import litellm once, outside the timing"])
    vector = spec(base, "vec", "embedder")
    store = KnowledgeIndexStore(base / "vec.sqlite")
    started = time.perf_counter()
    report = build_index(vector, store, client)
    seconds = time.perf_counter() - started
    print(
        f"build, with embeddings over HTTP (batches of 64): {report.chunks_written} chunks, "
        f"{report.embedding_requests} requests in {seconds:.2f} s = {seconds / report.chunks_written * 1000:.2f} s "
        "per 1,000 chunks"
    )
    store.close()


def fill(path: Path, chunks: int, dims: int) -> KnowledgeIndexStore:
    np = load_numpy()

    generator = np.random.default_rng(7)
    store = KnowledgeIndexStore(path)
    per_file = 1000
    for f in range(chunks // per_file):
        matrix = generator.standard_normal((per_file, dims), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        rows = []
        for i in range(per_file):
            text = sentence(60)
            rows.append(
                StoredChunk(
                    i,
                    text,
                    f"Doc {f}",
                    f"{f}-{i}",
                    i + 1,
                    i + 1,
                    0,
                    len(text),
                    None,
                    {"source": f"docs/doc{f}.md", "format": "markdown", "team": f"t{f % 4}"},
                )
            )
        store.replace_file(f"docs/doc{f}.md", str(f), "rule", rows)
        vectors = [(f"{f}-{i}", matrix[i].tobytes()) for i in range(per_file)]
        store.add_vectors(vectors, ("synthetic", per_file, 0, 0.0, 1))
    return store


def to_blob_free_vector(dims: int) -> list[float]:
    return [RNG.gauss(0, 1) for _ in range(dims)]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def bench_queries(base: Path, chunks: int, dims: int, queries: int) -> None:
    path = base / f"q{chunks}.sqlite"
    started = time.perf_counter()
    store = fill(path, chunks, dims)
    filled = time.perf_counter() - started
    store.close()  # checkpoints the WAL, so the file size is the index's
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    print(
        f"\n{chunks:,} chunks ({dims}-dim float32 vectors): filled in {filled:.1f} s; "
        f"{size / chunks:,.0f} bytes per chunk on disk ({dims * 4} of them the vector)"
    )
    store = KnowledgeIndexStore(path)
    index = spec(base, "q", "synthetic")

    def embed(text: str) -> list[float]:
        return to_blob_free_vector(dims)

    searcher = Searcher(index, store, embed)
    started = time.perf_counter()
    searcher.vectors()
    print(f"  vectors loaded into memory in {(time.perf_counter() - started) * 1000:.0f} ms (once per run)")
    texts = [" ".join(RNG.choice(VOCABULARY) for _ in range(6)) for _ in range(queries)]
    cases: list[tuple[str, Callable[[str], object]]] = [
        ("keyword", lambda q: searcher.search(q, mode="keyword", top_k=5)),
        ("vector", lambda q: searcher.search(q, mode="vector", top_k=5)),
        ("hybrid", lambda q: searcher.search(q, mode="hybrid", top_k=5)),
        ("hybrid + filter", lambda q: searcher.search(q, mode="hybrid", top_k=5, filters={"team": "t1"})),
    ]
    for label, run in cases:
        samples = []
        for text in texts:
            t0 = time.perf_counter()
            run(text)
            samples.append((time.perf_counter() - t0) * 1000)
        p50, p99 = percentiles(samples)
        print(f"  {label:<16} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   ({len(samples)} queries, top 5)")
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--dims", type=int, default=384)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--build", type=int, default=2000, help="chunks for the build figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        os.environ["AIXGO_HOME"] = str(base / "home")
        with StubModelServer() as stub:
            bench_build(base / "build", args.build, stub)
        for size in (int(s) for s in args.sizes.split(",")):
            bench_queries(base, size, args.dims, args.queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
