"""`hierarchical.max_depth`: how many hierarchical flows may sit inside one another's teams.

The nesting is fixed by the file (flows cannot contain themselves), so the bound is checked here, once,
rather than discovered half-way through a run: a hierarchical block's depth is 1 plus the deepest
hierarchical flow reachable from its members, through flows of any pattern.
"""

from __future__ import annotations

import functools
from typing import Any

from aixgo_cli.config.context import CheckContext
from aixgo_cli.config.orchestration_checks import block_members

DEFAULT_MAX_DEPTH = 3


def check_nesting(ctx: CheckContext) -> None:
    flows = ctx.flows

    @functools.cache
    def depth(name: str, trail: tuple[str, ...] = ()) -> int:
        """Hierarchical levels at and below flow `name` (0 for a flow with none)."""
        if name in trail:  # a cycle: reported by the orchestration checks
            return 0
        body = flows[name]
        below = max((depth(m, (*trail, name)) for m in block_members(body) if m in flows), default=0)
        return below + (1 if body.get("pattern") == "hierarchical" else 0)

    blocks: list[tuple[tuple[str, ...], Any]] = []
    if isinstance(ctx.data.get("orchestration"), dict):
        blocks.append((("orchestration",), ctx.data["orchestration"]))
    blocks += [(("flows", name), body) for name, body in flows.items()]
    for path, body in blocks:
        if body.get("pattern") != "hierarchical":
            continue
        config = body.get("config") if isinstance(body.get("config"), dict) else {}
        limit = config.get("max_depth", DEFAULT_MAX_DEPTH)
        if not isinstance(limit, int):
            continue
        levels = 1 + max((depth(m) for m in block_members(body) if m in flows), default=0)
        if levels > limit:
            ctx.error(
                (*path, "config", "max_depth") if "max_depth" in config else (*path, "pattern"),
                "too-deep",
                f"hierarchical flows nest {levels} deep here, more than max_depth {limit}",
                f"raise config.max_depth to {levels}, or flatten the teams",
            )
