"""`aixgo index build | status | rm | search`: the local retrieval indexes of a workflow's `knowledge:`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:  # imported inside the commands: --help must not load them
    from aixgo_cli.knowledge.build import Progress
    from aixgo_cli.knowledge.service import KnowledgeService

app = typer.Typer(
    help="Build, inspect, search and delete the retrieval indexes of a workflow's knowledge:.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

WORKFLOW = typer.Argument(..., metavar="WORKFLOW", help="The workflow file.")
INDEX = typer.Argument(None, metavar="[INDEX]", help="One index (default: all of them).")
JSON = typer.Option(False, "--json", help="One JSON object per index on stdout.")


def _service(workflow: Path, *, offline: bool = False) -> KnowledgeService:
    from aixgo_cli.config.model import load_workflow
    from aixgo_cli.errors import ConfigurationError, UserError
    from aixgo_cli.wiring import build_knowledge, sibling_cassette

    loaded = load_workflow(workflow)
    try:
        knowledge = build_knowledge(loaded, offline=offline)
    except ConfigurationError:
        # A shipped example without its key embeds from the cassette recorded beside it, as `run` does.
        cassette = sibling_cassette(loaded)
        if cassette is None:
            raise
        sys.stderr.write(f"aixgo: no key for the embedding model: embeddings replayed from {cassette}\n")
        knowledge = build_knowledge(loaded, replay=cassette)
    if knowledge is None:
        raise UserError(
            f"{workflow} has no knowledge: block", hint="declare an index under knowledge: (docs/workflow-format.md)"
        )
    return knowledge


def _names(knowledge: KnowledgeService, index: str | None) -> list[str]:
    from aixgo_cli.errors import UserError

    if index is None:
        return list(knowledge.specs)
    if index not in knowledge.specs:
        raise UserError(
            f"there is no knowledge index '{index}'", hint=f"indexes in this workflow: {', '.join(knowledge.specs)}"
        )
    return [index]


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[str], Progress | None]]:
    """A rich progress bar on a TTY (one task per phase); nothing elsewhere."""
    if not enabled:
        yield lambda name: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    with Bar(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True
    ) as bar:
        tasks: dict[tuple[str, str], Any] = {}

        def for_index(name: str) -> Progress | None:
            def update(phase: str, done: int, total: int) -> None:
                key = (name, phase)
                if key not in tasks:
                    tasks[key] = bar.add_task(f"{name}: {phase}", total=total)
                bar.update(tasks[key], completed=done, total=total)

            return update

        yield for_index


@app.command("build")
def build(
    workflow: Path = WORKFLOW,
    index: str | None = INDEX,
    json_out: bool = JSON,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on stderr but errors."),
) -> int:
    """Bring indexes up to date: only changed files are cut again and only new chunk texts embedded."""
    from aixgo_cli.knowledge.build import build_index

    knowledge = _service(workflow)
    try:
        with _progress_bar(sys.stderr.isatty() and not quiet) as progress:
            for name in _names(knowledge, index):
                report = build_index(
                    knowledge.specs[name], knowledge.store(name), knowledge.embedder, progress=progress(name)
                )
                if json_out:
                    sys.stdout.write(json.dumps(report.to_json()) + "\n")
                if not quiet:
                    sys.stderr.write(
                        f"{name}: {report.files} file(s), {report.files_changed} indexed, {report.files_removed} "
                        f"removed, {report.chunks_written} chunk(s) written, {report.texts_embedded} embedded in "
                        f"{report.embedding_requests} request(s) ({report.tokens} tokens, ${report.cost_usd:.4f}), "
                        f"{report.duration_s:.1f} s\n"
                    )
    finally:
        knowledge.close()
    return 0


@app.command("status")
def status(workflow: Path = WORKFLOW, index: str | None = INDEX, json_out: bool = JSON) -> int:
    """Say whether each index is up to date with its sources, and what it holds."""
    from aixgo_cli.knowledge.build import index_state

    knowledge = _service(workflow, offline=True)
    try:
        for name in _names(knowledge, index):
            state = index_state(knowledge.specs[name], knowledge.store(name))
            if json_out:
                sys.stdout.write(json.dumps(state.to_json()) + "\n")
                continue
            counts = state.counts
            verdict = "out of date: " + "; ".join(state.reasons) if state.stale else "up to date"
            sys.stdout.write(
                f"{name}: {verdict}\n  {counts['files']} file(s), {counts['chunks']} chunk(s)"
                + (f", embeddings by {state.embedding_model}" if state.embedding_model else ", keyword search only")
                + f"; {counts['embedding_calls']} embedding request(s) so far, ${counts['embedding_cost_usd']:.4f}"
                + f"\n  {state.path}\n"
            )
            if state.stale:
                sys.stdout.write(f"  build it with: aixgo index build {workflow} {name}\n")
    finally:
        knowledge.close()
    return 0


@app.command("rm")
def remove(workflow: Path = WORKFLOW, index: str | None = INDEX) -> int:
    """Delete index files (the sources are not touched); the next build starts from scratch."""
    knowledge = _service(workflow, offline=True)
    names = _names(knowledge, index)
    knowledge.close()
    for name in names:
        path = knowledge.specs[name].store_path
        removed = False
        for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if candidate.exists():
                candidate.unlink()
                removed = True
        sys.stderr.write(f"{name}: {'removed ' + str(path) if removed else 'no index to remove'}\n")
    return 0


@app.command("search")
def search(
    workflow: Path = WORKFLOW,
    query: str = typer.Argument(..., metavar="QUERY", help="What to look for."),
    index: str | None = typer.Option(None, "--index", help="The index (default: the only one)."),
    top_k: int | None = typer.Option(None, "--top-k", "-k", min=1, max=100, help="Documents to show."),
    mode: str | None = typer.Option(None, "--mode", help="keyword, vector or hybrid (default: the index's)."),
    json_out: bool = typer.Option(False, "--json", help="The documents as one JSON object."),
) -> int:
    """Search an index as the retrieval tool and the rag pattern do (builds it first if it is stale)."""
    from aixgo_cli.errors import UserError
    from aixgo_cli.knowledge.search import SearchError
    from aixgo_cli.knowledge.service import documents_json

    knowledge = _service(workflow)
    try:
        if index is None and len(knowledge.specs) > 1:
            raise UserError(
                "this workflow has several indexes", hint=f"pick one with --index: {', '.join(knowledge.specs)}"
            )
        name = _names(knowledge, index or next(iter(knowledge.specs)))[0]
        knowledge.prepare()
        try:
            result = knowledge.search(name, query, top_k=top_k, mode=mode)
        except SearchError as exc:
            raise UserError(str(exc), hint="see docs/knowledge.md for the search modes") from None
    finally:
        knowledge.close()
    if json_out:
        sys.stdout.write(json.dumps(documents_json(query, result.hits), ensure_ascii=False) + "\n")
        return 0
    for number, hit in enumerate(result.hits, start=1):
        where = f"{hit.source}:{hit.line_start}-{hit.line_end}" if hit.line_start else hit.source
        if hit.record is not None:
            where += f" (record {hit.record})"
        text = " ".join(hit.text.split())
        sys.stdout.write(f"[{number}] {where}  score {hit.score:.4f}\n    {text[:200]}\n")
    if not result.hits:
        sys.stderr.write("no documents found\n")
    return 0
