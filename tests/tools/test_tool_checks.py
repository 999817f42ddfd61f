"""What `run` would refuse about a tool, `validate` reports with its line: an http tool's URL, its
allowlist entries and the arguments its URL names; and screening settings that can have no effect."""

from __future__ import annotations

import textwrap

from aixgo_cli.config.validate import validate_bytes

BASE = """\
version: 1
name: checks
tools:
  - name: fetch
    type: http
{tool}
agents:
  - name: a
    role: react
    model: openai/gpt-4o-mini
    tools: [fetch]
  - name: log
    role: logger
    inputs: [a]
{logger}"""


def issues(tool: str, logger: str = "") -> list[tuple[str, int, str]]:
    text = BASE.format(tool=textwrap.indent(textwrap.dedent(tool), "    "), logger=logger)
    report = validate_bytes(text.encode(), "wf.yaml")
    return [(i.code, i.line, i.severity) for i in report.issues]


def test_a_good_http_tool_has_no_issues() -> None:
    assert (
        issues('url: "https://api.example.com/items/{{ args.id }}"\nallow_hosts: [10.0.0.0/8, "intranet:8080"]') == []
    )


def test_a_url_without_http_scheme_or_host_is_an_error_at_its_line() -> None:
    assert issues('url: "ftp://files.example.com/{{ args.p }}"') == [("http-url", 6, "error")]
    assert issues('url: "/relative/{{ args.p }}"') == [("http-url", 6, "error")]


def test_an_argument_the_input_schema_lacks_is_an_error() -> None:
    tool = """\
    url: "https://api.example.com/{{ args.city }}/{{ args.day }}"
    input_schema: {type: object, properties: {city: {type: string}}}
    """
    assert issues(tool) == [("unknown-argument", 6, "error")]


def test_bad_allowlist_entries_are_errors_at_their_own_line() -> None:
    tool = """\
    url: "https://api.example.com/"
    allow_hosts:
      - 10.0.0.0/33
      - "host:99999"
      - ok.example.com
    """
    assert issues(tool) == [("invalid-allow-host", 8, "error"), ("invalid-allow-host", 9, "error")]


def test_screening_on_a_role_that_reads_no_text_is_a_warning() -> None:
    found = issues('url: "https://api.example.com/"', logger="    prompt_injection: {action: block}\n")
    assert found == [("unused-key", 15, "warning")]


def test_a_key_of_another_tool_type_is_a_warning() -> None:
    text = """\
version: 1
name: checks
tools:
  - name: lookup
    type: python
    callable: shop:lookup
    allow_hosts: [10.0.0.0/8]
agents:
  - name: a
    role: react
    model: openai/gpt-4o-mini
    tools: [lookup]
"""
    report = validate_bytes(text.encode(), "wf.yaml")
    assert [(i.code, i.line, i.severity) for i in report.issues] == [("unused-key", 7, "warning")]
