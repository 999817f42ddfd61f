"""The run limits given on the command line; the rule lives in `aixgo_cli.engine.run_limits`, shared by
`run`, `resume` and `serve`."""

from aixgo_cli.engine.run_limits import LimitOverrides

__all__ = ["LimitOverrides"]
