"""What a secret name may be, and which names aixgo knows without being told.

Names are checked before any lookup because a name becomes an environment variable name and a keyring
username: an identifier-shaped name is portable to every shell (`export NAME=...`) and every keyring
backend. `__index__` is reserved for the keyring entry that lists stored names (see `keyring_source`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aixgo_cli.errors import UserError

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

INDEX_ENTRY = "__index__"

# LiteLLM's conventional environment variable names for provider keys. `secrets list` and `doctor` report
# these when present even if no workflow names them.
KNOWN_SECRET_NAMES: tuple[str, ...] = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "XAI_API_KEY",
    "HF_TOKEN",
    "HUGGINGFACE_API_KEY",
    "AZURE_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "MISTRAL_API_KEY",
    "GROQ_API_KEY",
    "COHERE_API_KEY",
    "DEEPSEEK_API_KEY",
    "OPENROUTER_API_KEY",
    "TOGETHERAI_API_KEY",
    "FIREWORKS_AI_API_KEY",
    "PERPLEXITYAI_API_KEY",
)


def invalid_names(names: Iterable[str]) -> list[str]:
    """The names that may not be used as secret names, in the order given."""
    return [n for n in names if n == INDEX_ENTRY or not NAME_PATTERN.fullmatch(n)]


def check_name(name: str) -> str:
    """Return `name` unchanged, or raise `UserError` (exit 2) saying what a valid name looks like."""
    if name == INDEX_ENTRY:
        raise UserError(
            f"secret name {INDEX_ENTRY!r} is reserved by aixgo",
            hint="choose another name, e.g. `aixgo secrets set MY_SERVICE_TOKEN`",
        )
    if not NAME_PATTERN.fullmatch(name):
        raise UserError(
            f"invalid secret name {name!r}: use letters, digits and underscores, not starting with a digit",
            hint="e.g. `aixgo secrets set OPENAI_API_KEY`",
        )
    return name
