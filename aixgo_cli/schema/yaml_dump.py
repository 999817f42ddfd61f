"""Write workflow data back as YAML that reads like a hand-written file (used by `aixgo migrate`).

Keys keep their order, multi-line strings become `|` blocks (prompts stay readable), and strings that
YAML 1.1 would read as something else (`on`, `yes`, `1.10`) are quoted by the dumper itself, so the
file loads back to exactly the same data.
"""

from __future__ import annotations

from typing import Any

import yaml


class _WorkflowDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and all(line == line.rstrip() for line in value.splitlines()):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_WorkflowDumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """`data` as block-style YAML, keys in their given order."""
    return yaml.dump(  # a SafeDumper subclass: only plain data can be written
        data, Dumper=_WorkflowDumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False
    )


def load_yaml(text: str) -> Any:
    """Plain safe loading, for round-trip checks of what `dump_yaml` wrote."""
    return yaml.safe_load(text)
