"""A knowledge index as a flow member: one search, journaled as a unit so resume replays what was found.

A pattern (`rag`, or any pattern listing an index among its members) hands the index a query: the text
of its input, or a mapping `{query, top_k, mode, filters}`. The unit key is the member's place, the
index's definition and content fingerprint, and the query: a resumed run gets the recorded documents
back without searching (or paying for a query embedding) again, and edited sources give a new key.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aixgo_cli.agents.base import as_text
from aixgo_cli.config.model import stable_hash
from aixgo_cli.engine.context import RunContext
from aixgo_cli.engine.units import step_finished
from aixgo_cli.errors import AixgoError, ConfigurationError, RunError, RunInterrupted, RunPaused, UserError, resume_step
from aixgo_cli.events import StepFailed, StepStarted, event_to_json
from aixgo_cli.secrets.redaction import redact

ROLE = "knowledge"


def is_index(ctx: RunContext, name: str) -> bool:
    return name in ctx.workflow.knowledge and name not in ctx.workflow.agents


def search_unit(ctx: RunContext, name: str, payload: Any, place: str) -> Any:
    knowledge = ctx.knowledge
    if knowledge is None:
        raise UserError(
            f"knowledge index '{name}' was not opened for this run",
            hint="the caller of the engine must pass the workflow's knowledge (aixgo run does)",
        )
    request = _request(payload)
    definition = stable_hash({"index": dict(ctx.workflow.knowledge[name]), "content": knowledge.fingerprint(name)})
    input_hash = stable_hash(request)
    key = f"{place}#{definition[:10]}.{input_hash[:10]}"
    done = ctx.journal.get_completed_unit(ctx.run_id, key)
    if done is not None and done.output_json is not None:
        output = json.loads(done.output_json)
        ctx.budget.add_step(cached=True)
        ctx.emit(step_finished(ctx, key, place, name, _shown(output), 0.0, done.tokens_in, done.cost_usd, cached=True))
        return output
    from aixgo_cli.knowledge.search import SearchError  # the search machinery loads only for runs that search
    from aixgo_cli.knowledge.service import documents_json

    ctx.check_cancelled()
    ctx.budget.begin_step()
    ctx.journal.start_unit(ctx.run_id, key, place=place, input_hash=input_hash, definition_hash=definition)
    ctx.emit(StepStarted(run_id=ctx.run_id, at=time.time(), unit_key=key, place=place, agent=name, role=ROLE))
    started = time.perf_counter()
    try:
        result = knowledge.search(
            name, request["query"], top_k=request.get("top_k"), mode=request.get("mode"), filters=request.get("filters")
        )
    except (RunPaused, RunInterrupted, ConfigurationError):
        raise  # the unit stays 'started': resume redoes it (a rejected key is the user's to fix: exit 3)
    except (SearchError, AixgoError) as exc:
        message = redact(str(exc) if isinstance(exc, SearchError) else exc.message)
        failed = StepFailed(run_id=ctx.run_id, at=time.time(), unit_key=key, place=place, agent=name, error=message)
        ctx.journal.fail_unit(ctx.run_id, key, message, events=[(failed.kind, event_to_json(failed))])
        ctx.emit(failed)
        if isinstance(exc, UserError):
            raise
        if isinstance(exc, AixgoError) and (exc.hint or exc.next_step):
            raise RunError(f"knowledge '{name}' failed: {message}", hint=exc.hint, next_step=exc.next_step) from exc
        raise RunError(
            f"knowledge '{name}' failed: {message}",
            hint="fix the cause, then continue with:",
            next_step=resume_step(ctx.run_id),
        ) from exc
    output = documents_json(request["query"], result.hits)
    usage = result.usage
    if usage.prompt_tokens or usage.cost_usd:
        ctx.budget.add_usage(
            usage.prompt_tokens,
            0,
            usage.cost_usd,
            model=knowledge.specs[name].embedding_model or name,
            cost_known=usage.cost_known,
        )
    duration_ms = (time.perf_counter() - started) * 1000
    finished = step_finished(
        ctx, key, place, name, _shown(output), duration_ms, usage.prompt_tokens, usage.cost_usd, cached=False
    )
    ctx.journal.complete_unit(
        ctx.run_id,
        key,
        redact(json.dumps(output, ensure_ascii=False)),
        tokens_in=usage.prompt_tokens,
        cost_usd=usage.cost_usd,
        duration_ms=int(duration_ms),
        events=[(finished.kind, event_to_json(finished))],
    )
    ctx.emit(finished)
    return output


def _request(payload: Any) -> dict[str, Any]:
    if isinstance(payload, dict) and isinstance(payload.get("query"), str):
        allowed = ("query", "top_k", "mode", "filters")
        return {k: payload[k] for k in allowed if payload.get(k) is not None}
    return {"query": as_text(payload)}


def _shown(output: Any) -> Any:
    """What a search's preview describes: how many documents it found, for which query."""
    count = len(output.get("documents", [])) if isinstance(output, dict) else 0
    return f"{count} document(s) for {output.get('query', '')!r}" if count else output
