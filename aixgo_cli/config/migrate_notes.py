"""What `aixgo migrate` did to a file, each with the line of the original it concerns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from aixgo_cli.schema.issues import PathPart
from aixgo_cli.schema.positions import position
from aixgo_cli.schema.yaml_loader import LoadedWorkflow

ChangeKind = Literal["changed", "dropped", "unresolved"]

# A value that is a secret's name rather than the secret itself: what Go wrote in `token_env`.
SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Go aixgo's environment names that LiteLLM spells differently.
ENV_RENAMES = {
    "HUGGINGFACE_API_KEY": "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN": "HF_TOKEN",
    "GOOGLE_API_KEY": "GEMINI_API_KEY",
    "OPENAI_BASE_URL": "OPENAI_API_BASE",
    "VERTEX_PROJECT_ID": "VERTEXAI_PROJECT",
    "GCP_PROJECT_ID": "VERTEXAI_PROJECT",
    "VERTEX_LOCATION": "VERTEXAI_LOCATION",
}


@dataclass(frozen=True)
class Change:
    """One rewrite (`changed`), one removal (`dropped`) or one thing left for a person (`unresolved`)."""

    line: int
    column: int
    kind: ChangeKind
    code: str
    message: str
    hint: str | None = None


@dataclass
class Recorder:
    loaded: LoadedWorkflow
    changes: list[Change] = field(default_factory=list)

    def note(
        self,
        path: tuple[PathPart, ...],
        kind: ChangeKind,
        code: str,
        message: str,
        hint: str | None = None,
        *,
        at_key: bool = True,
    ) -> None:
        line, column, _ = position(self.loaded.root, path, at_key=at_key)
        self.changes.append(Change(line, column, kind, code, message, hint))

    def secret_name(self, path: tuple[PathPart, ...], value: object, what: str) -> str | None:
        """`value` as a secret name (renamed from Go's spelling where LiteLLM's differs), or None when it is
        not a name. A value that is not a name may be the secret itself: it is reported, never repeated."""
        if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
            value = value[2:-1]
        if not isinstance(value, str) or not SECRET_NAME.match(value):
            self.note(
                path,
                "unresolved",
                "secret-in-file",
                f"{what} holds a value, not the name of a secret; it was left out of the new file",
                "store the key with `aixgo secrets set NAME` (or an environment variable) and name it here",
            )
            return None
        renamed = ENV_RENAMES.get(value)
        if renamed is not None:
            self.note(
                path,
                "changed",
                "env-name",
                f"{what}: the Go environment name {value} is {renamed} here",
                f"set {renamed} instead of {value}",
            )
            return renamed
        return value
