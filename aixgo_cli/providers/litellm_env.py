"""The environment LiteLLM is imported in, set only for the import and put back afterwards.

LiteLLM reads a few switches from the environment while it is imported: `LITELLM_LOCAL_MODEL_COST_MAP`
(use the price map bundled with the package instead of fetching one from the network),
`LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS` (likewise for Anthropic's beta headers) and `LITELLM_MODE`
(`PRODUCTION`: do not load a stray `.env` file into our environment). The beta headers are read on the
first Anthropic call, so `load_litellm` loads them inside this block too. They are set for the import only and
the environment is restored afterwards, so that nothing aixgo did is left for tools, MCP servers or other
child processes to inherit. A value the user set stays as the user set it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

IMPORT_SWITCHES = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_MODE": "PRODUCTION",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
}


@contextmanager
def litellm_import_environment() -> Iterator[None]:
    added = [name for name in IMPORT_SWITCHES if name not in os.environ]
    for name in added:
        os.environ[name] = IMPORT_SWITCHES[name]
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
