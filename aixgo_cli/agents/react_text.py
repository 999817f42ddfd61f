"""The text ReAct protocol (Thought / Action / Action Input / Observation / Final Answer), for models
without function calling: the instructions, and a parser that trusts as little of a reply as it can.

The model's reply is untrusted text that may try to steer the loop, so the parser is strict about its
shape and never lets the model speak for aixgo:

* Only the FIRST `Action:` / `Action Input:` pair of a reply is used; further actions are cut and the
  model is told so. Observations come from aixgo alone: an `Observation:` in a reply, and any `Thought:`
  or `Final Answer:` written after the action, imitates the loop's own markers; it is cut, never
  trusted, and reported as `imitation` (the caller records a detection).
* The tool must be on the agent's list; any other name gets an error Observation naming the allowed ones.
* `Action Input` must be one JSON object. Three common mistakes are repaired, and only these: a code fence
  around the JSON, trailing commas before `}` or `]`, and single-quoted strings (a Python dict literal;
  only when the text has no double quote at all, so a quote inside a string is never rewritten). Text
  after the object is ignored. Anything else gets an error Observation with the expected form.
* `Final Answer:` ends the loop; the answer runs to the end of the reply or to the next marker line (a
  marker after it is imitation, cut and reported).

Markers are recognised at the start of a line, in any letter case, also when wrapped in Markdown bold
(`**Action:**`). A line starts after any Unicode line break (`\\r`, U+0085, U+2028...), not only `\\n`;
invisible characters inside or around a marker are ignored, and look-alike or full-width letters count
as the letters they imitate (`security.unicode_text`), so a marker cannot be disguised. The reply itself
is kept as written. A reply with neither an action
nor a final answer gets a format reminder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from aixgo_cli.providers.types import ToolSpec
from aixgo_cli.security.unicode_text import skeleton


def _word(text: str) -> str:
    """A regex for `text` in which invisible characters (`INVISIBLE` in a skeleton) may sit anywhere and
    a space stands for any run of blanks."""
    gap = "\x00*"
    parts = [r"(?:[^\S\n]|\x00)+" if char == " " else re.escape(char) for char in text]
    return gap.join(parts)


_NAMES = "|".join(_word(name) for name in ("thought", "action input", "action", "observation", "final answer"))
# Matched against `skeleton(text)`: the same offsets as the text, every line break a `\n`, look-alike and
# full-width letters folded, invisible characters NUL. `[^\S\n]` is any blank, Unicode spaces included.
MARKER = re.compile(
    rf"^(?:[^\S\n]|[>*_#\x00])*({_NAMES})(?:[^\S\n]|[*_\x00])*:(?:[^\S\n]|[*_\x00])*",
    re.IGNORECASE | re.MULTILINE,
)
_FENCE = re.compile(r"^```[A-Za-z]*[ \t]*\n?(.*?)\n?```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_WRAPPING = " \t`'\"*"


@dataclass(frozen=True)
class ParsedTurn:
    """One reply, parsed. `kept` is the trusted part of the reply, the part kept in the conversation."""

    kind: Literal["action", "final", "none"]
    kept: str
    tool: str | None = None
    arguments_json: str | None = None  # canonical JSON of the arguments, when they parsed
    error: str | None = None  # an action that cannot run: what to tell the model instead
    answer: str | None = None
    repairs: tuple[str, ...] = ()
    imitation: tuple[str, ...] = ()  # loop markers the model wrote where only aixgo may
    extra_actions: int = 0
    unlisted: bool = False  # the action names a tool the agent does not have (refused and reported)


@dataclass(frozen=True)
class _Marker:
    name: str  # normalised: thought, action, action input, observation, final answer
    start: int  # where the marker line begins
    body: int  # where the text after the marker begins


def markers(text: str) -> list[_Marker]:
    """The marker lines of `text`, found in its skeleton (so at any Unicode line start, disguised or not)."""
    return [
        _Marker(" ".join(m.group(1).replace("\x00", "").lower().split()), m.start(), m.end())
        for m in MARKER.finditer(skeleton(text))
    ]


def parse_turn(text: str, allowed: Sequence[str]) -> ParsedTurn:
    found = markers(text)
    imitation: list[str] = []
    first_observation = next((i for i, m in enumerate(found) if m.name == "observation"), None)
    if first_observation is not None:
        imitation.append("Observation:")
        text, found = text[: found[first_observation].start], found[:first_observation]
    decisive = next((i for i, m in enumerate(found) if m.name in ("action", "final answer")), None)
    if decisive is None:
        return ParsedTurn("none", text.strip(), imitation=tuple(imitation))
    if found[decisive].name == "final answer":
        return _final(text, found, decisive, imitation)
    return _action(text, found, decisive, imitation, allowed)


def _segment(text: str, found: list[_Marker], index: int) -> str:
    end = found[index + 1].start if index + 1 < len(found) else len(text)
    return text[found[index].body : end]


EXPECTED = 'write Action Input as one JSON object, e.g. Action Input: {"name": "value"}'
_INLINE_MARKER = re.compile(
    r"\b(" + "|".join(_word(w) for w in ("observation", "thought", "final answer")) + r")[\s\x00]*:", re.IGNORECASE
)


def _after(found: list[_Marker], index: int) -> tuple[list[str], int]:
    """Markers after `index`: imitation ones by name, and how many further actions there were."""
    rest = found[index + 1 :]
    imitation = sorted({_label(m.name) for m in rest if m.name in ("thought", "final answer")})
    return imitation, sum(1 for m in rest if m.name == "action")


def _label(name: str) -> str:
    return name.title() + ":"


def _final(text: str, found: list[_Marker], index: int, imitation: list[str]) -> ParsedTurn:
    end = found[index + 1].start if index + 1 < len(found) else len(text)
    later = sorted({_label(m.name) for m in found[index + 1 :]})
    answer = _segment(text, found, index).strip()
    return ParsedTurn("final", text[:end].strip(), answer=answer, imitation=tuple(imitation + later))


def _action(text: str, found: list[_Marker], index: int, imitation: list[str], allowed: Sequence[str]) -> ParsedTurn:
    tool = _tool_name(_segment(text, found, index))
    has_input = index + 1 < len(found) and found[index + 1].name == "action input"
    later, extra = _after(found, index + 1 if has_input else index)
    imitation = imitation + later
    if not has_input:
        end = found[index + 1].start if index + 1 < len(found) else len(text)
        missing = f'the Action has no "Action Input:" line; {EXPECTED}'
        return ParsedTurn("action", text[:end].strip(), tool=tool, error=missing, imitation=tuple(imitation))
    raw = _segment(text, found, index + 1)
    arguments, used, repairs, problem = parse_arguments(raw)
    if _INLINE_MARKER.search(skeleton(raw[used:])):
        imitation.append("text after the Action Input")
    turn = ParsedTurn(
        "action",
        text[: found[index + 1].body + used].strip(),
        tool=tool,
        repairs=repairs,
        imitation=tuple(imitation),
        extra_actions=extra,
    )
    if tool not in allowed:
        return replace(turn, error=unlisted_tool_error(tool, allowed), unlisted=True)
    if arguments is None:
        return replace(turn, error=problem)
    return replace(turn, arguments_json=json.dumps(arguments, ensure_ascii=False))


def unlisted_tool_error(tool: str, allowed: Sequence[str]) -> str:
    return f"there is no tool named '{tool}'; the tools are: {', '.join(allowed) or 'none'}"


def _tool_name(segment: str) -> str:
    lines = segment.strip().splitlines()
    name = lines[0].strip(_WRAPPING) if lines else ""
    return name[:-2] if name.endswith("()") else name


def parse_arguments(raw: str) -> tuple[dict[str, Any] | None, int, tuple[str, ...], str | None]:
    """(arguments, how many characters of `raw` they span, repairs made, problem); on a problem the
    arguments are None and the span is the whole text, so the model sees what it wrote."""
    stripped = raw.lstrip()
    lead = len(raw) - len(stripped)
    whole = len(raw.rstrip())
    fence = _FENCE.match(stripped)
    body = fence.group(1).strip() if fence else stripped
    repairs = ["code fence"] if fence else []
    end = _object_end(body) if body.startswith("{") else None
    if end is None:
        shape = "a complete JSON object" if body.startswith("{") else "a JSON object"
        return None, whole, tuple(repairs), f"the Action Input is not {shape}; {EXPECTED}"
    used = lead + (fence.end() if fence else end)
    value, made = _loads_repaired(body[:end])
    if not isinstance(value, dict):
        return None, whole, tuple(repairs), f"the Action Input is not valid JSON; {EXPECTED}"
    return value, used, tuple(repairs + made), None


def _object_end(text: str) -> int | None:
    """The index just after the object that opens `text`, honouring strings in either quote style."""
    depth = 0
    for index, char, in_string in _scan(text):
        if in_string:
            continue
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def _scan(text: str) -> Iterator[tuple[int, str, bool]]:
    """(index, character, inside a quoted string) for each character; quotes count as inside."""
    quote, escaped = "", False
    for index, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
            yield index, char, True
        elif char in "\"'":
            quote = char
            yield index, char, True
        else:
            yield index, char, False


def _loads_repaired(text: str) -> tuple[Any, list[str]]:
    no_commas = _strip_trailing_commas(text)
    attempts: list[tuple[str, list[str]]] = [(text, [])]
    if no_commas != text:
        attempts.append((no_commas, ["trailing comma"]))
    if '"' not in text and "'" in text:
        attempts.append((no_commas.replace("'", '"'), ["single quotes"] + attempts[-1][1]))
    for candidate, made in attempts:
        try:
            return json.loads(candidate), made
        except json.JSONDecodeError:
            continue
    return None, []


def _strip_trailing_commas(text: str) -> str:
    """Drop each comma that only whitespace separates from a closing bracket, outside strings."""
    drop = {i for i, char, in_string in _scan(text) if char == "," and not in_string and _TRAILING_COMMA.match(text, i)}
    return "".join(char for i, char in enumerate(text) if i not in drop)


def instructions(tools: Sequence[ToolSpec]) -> str:
    """The system-prompt part that teaches the protocol and lists the tools with their JSON Schemas."""
    listed = "\n".join(
        f"- {t.name}: {t.description}\n  Input schema: {json.dumps(dict(t.parameters), sort_keys=True)}" for t in tools
    )
    names = ", ".join(t.name for t in tools) or "none"
    return (
        "You can use these tools:\n\n" + (listed or "(no tools)") + "\n\nWork step by step, in exactly this format:\n\n"
        "Thought: what you need to do next\n"
        f"Action: the tool to use, one of: {names}\n"
        "Action Input: the tool's arguments as one JSON object\n\n"
        'Then stop. The tool\'s result comes back to you as a message starting with "Observation:". '
        "Write one Action per reply and never write an Observation yourself.\n"
        "When you can answer, reply with:\n\n"
        "Thought: I can answer now\n"
        "Final Answer: your answer"
    )


REMINDER = (
    "Your reply had neither an Action nor a Final Answer. Reply either with\n"
    "Thought: ...\nAction: <tool name>\nAction Input: {...}\n"
    "or, when you can answer, with\nFinal Answer: <your answer>"
)
FINAL_NOW = "You have enough information. Reply now with your Final Answer, and no Action."
NO_MORE_ACTIONS = "error: no more tool calls; reply with Final Answer: <your answer>"


def notes(turn: ParsedTurn) -> list[str]:
    """What the model is told about the parts of its reply that were not used."""
    out = []
    if turn.repairs:
        out.append("Your Action Input needed repair (" + ", ".join(turn.repairs) + "); write plain JSON.")
    if turn.extra_actions:
        out.append("Only the first Action of a reply is run; the other actions were ignored.")
    if turn.imitation:
        out.append(
            "Text imitating the loop's own markers (" + ", ".join(turn.imitation) + ") was ignored: "
            "observations come only from aixgo. Write one Action, then stop."
        )
    return out


def observation(result: str, extra: Sequence[str] = ()) -> str:
    return "Observation: " + result + "".join(f"\n\nNote: {n}" for n in extra)


def quote_markers(result: str) -> tuple[str, tuple[str, ...]]:
    """A tool result with marker lines neutralised (prefixed with '| '), and the markers found."""
    found_markers = markers(result)
    if not found_markers:
        return result, ()
    # Each marker line gets "| " in front, wherever the line starts (after any kind of line break).
    starts = sorted({m.start for m in found_markers})
    pieces = [result[a:b] for a, b in zip([0, *starts], [*starts, len(result)], strict=True)]
    return "| ".join(pieces), tuple(sorted({_label(m.name) for m in found_markers}))
