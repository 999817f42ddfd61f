"""Record real calls to the stub through litellm, then replay them with the server gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.providers.providers_helpers import SecretBook, ask

from aixgo_cli.errors import RunError, UserError
from aixgo_cli.providers.cassette import RecordingClient, ReplayingClient, request_key
from aixgo_cli.providers.litellm_client import LiteLLMClient
from aixgo_cli.providers.model_ref import ModelResolver
from aixgo_cli.providers.stack import build_client
from aixgo_cli.testing.fake_client import ScriptedClient
from aixgo_cli.testing.stub_model_server import StubModelServer


def test_record_then_replay_with_the_server_stopped(tmp_path: Path) -> None:
    cassette = tmp_path / "calls.jsonl"
    secret = "sk-recorded-secret-1234"
    with StubModelServer() as server:
        services = [
            {
                "name": "m",
                "provider": "openai",
                "model": "test",
                "api_base": server.base_url,
                "api_key_secret": "OPENAI_API_KEY",
            }
        ]
        live = LiteLLMClient(SecretBook({"OPENAI_API_KEY": secret}), ModelResolver(services))
        recorder = RecordingClient(live, cassette)
        server.script([{"tool_calls": [{"name": "f", "arguments": {"x": 1}}]}])
        recorded = [recorder.complete(ask("first", model="m")), recorder.complete(ask("second", model="m"))]
        assert server.stats()["total"] == 2
    # The server is stopped: any network call would now fail.
    replay = ReplayingClient(cassette)
    tokens: list[str] = []
    replayed = [
        replay.complete(ask("first", model="m")),
        replay.complete(ask("second", model="m"), on_token=tokens.append),
    ]
    assert replayed == recorded
    assert replayed[0].tool_calls[0].arguments() == {"x": 1}
    assert tokens == ["stub: second"]
    text = cassette.read_text()
    assert secret not in text
    assert server.base_url not in text  # the endpoint is not part of the cassette


def test_replay_makes_no_http_request(stub: StubModelServer, tmp_path: Path) -> None:
    cassette = tmp_path / "c.jsonl"
    RecordingClient(ScriptedClient(["recorded answer"]), cassette).complete(ask("q"))
    client = build_client(SecretBook({}), [{"name": "openai/test", "api_base": stub.base_url}], replay_from=cassette)
    assert client.complete(ask("q")).content == "recorded answer"
    assert stub.stats()["total"] == 0


def test_unmatched_request_names_the_cassette_and_the_request(tmp_path: Path) -> None:
    cassette = tmp_path / "c.jsonl"
    RecordingClient(ScriptedClient(), cassette).complete(ask("recorded question"))
    with pytest.raises(RunError) as info:
        ReplayingClient(cassette).complete(ask("a different question", model="openai/other"))
    message = info.value.message
    assert str(cassette) in message
    assert "model=openai/other" in message and "a different question" in message
    assert info.value.hint is not None and "--record" in info.value.hint


def test_identical_requests_replay_in_order_then_repeat_the_last(tmp_path: Path) -> None:
    cassette = tmp_path / "c.jsonl"
    recorder = RecordingClient(ScriptedClient(["one", "two"]), cassette)
    recorder.complete(ask("same"))
    recorder.complete(ask("same"))
    replay = ReplayingClient(cassette)
    assert [replay.complete(ask("same")).content for _ in range(3)] == ["one", "two", "two"]


def test_key_ignores_timeout_and_endpoint_parameters_but_not_meaning() -> None:
    base = ask("q", temperature=0.5)
    assert request_key(base) == request_key(ask("q", temperature=0.5, timeout_s=3))
    assert request_key(base) == request_key(ask("q", temperature=0.5, params={"api_base": "http://x"}))
    assert request_key(base) != request_key(ask("q", temperature=0.6))
    assert request_key(base) != request_key(ask("q!", temperature=0.5))
    assert request_key(base) != request_key(ask("q", model="openai/other", temperature=0.5))


def test_file_starts_with_a_version_header_and_holds_no_credential_params(tmp_path: Path) -> None:
    cassette = tmp_path / "c.jsonl"
    RecordingClient(ScriptedClient(), cassette).complete(ask("q", params={"api_key": "sk-nope", "seed": 1}))
    header, entry = (json.loads(line) for line in cassette.read_text().splitlines())
    assert header == {"cassette_version": 1}
    assert entry["request"]["params"] == {"seed": 1}
    assert "sk-nope" not in cassette.read_text()


def test_missing_corrupt_or_future_cassettes_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read cassette"):
        ReplayingClient(tmp_path / "absent.jsonl")
    corrupt = tmp_path / "corrupt.jsonl"
    corrupt.write_text('{"cassette_version": 1}\n{"key": "k"\n')
    with pytest.raises(UserError, match=r"corrupt\.jsonl:2"):
        ReplayingClient(corrupt)
    future = tmp_path / "future.jsonl"
    future.write_text('{"cassette_version": 99}\n')
    with pytest.raises(UserError, match="format version 99"):
        ReplayingClient(future)
