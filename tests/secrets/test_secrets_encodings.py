"""A registered secret is masked in every spelling it can take in text, not only as written; a stream
that redacts output as it is written never lets a secret split across writes through; and a run's
parameters keep secrets as references to their names."""

from __future__ import annotations

import io
import json
import random

import pytest
from tests.support.leaks import encodings

from aixgo_cli.secrets.redaction import MASK, Redactor
from aixgo_cli.secrets.sealing import SEALED_KEY, seal, unseal
from aixgo_cli.secrets.stream import RedactingStream

SECRET = "tok/Planted+Value=42&x"


@pytest.fixture
def redactor() -> Redactor:
    r = Redactor()
    r.register(SECRET, "PLANTED")
    return r


@pytest.mark.parametrize("form", sorted(encodings(SECRET)))
def test_every_encoding_of_a_registered_secret_is_masked(redactor: Redactor, form: str) -> None:
    encoded = encodings(SECRET)[form]
    text = f'provider said: {{"error": "bad key {encoded} for https://api.example/v1?key={encoded}"}}'

    out = redactor.redact(text)

    assert encoded not in out
    assert MASK in out
    assert out.startswith('provider said: {"error": "bad key ')


def test_ordinary_text_is_left_alone(redactor: Redactor) -> None:
    text = "The quick brown fox: 0123456789abcdef, base64 aGVsbG8gd29ybGQ=, %41%42 and &#65;."
    assert redactor.redact(text) == text


def test_a_secret_split_across_writes_is_masked_by_the_stream(redactor: Redactor) -> None:
    for form, encoded in encodings(SECRET).items():
        target = io.StringIO()
        stream = RedactingStream(target, redactor)
        text = f"stream of {form}: {encoded} and more\nsecond line {encoded}"
        rng = random.Random(form)
        at = 0
        while at < len(text):
            size = rng.randint(1, 5)
            stream.write(text[at : at + size])
            stream.flush()
            at += size
        stream.drain()
        assert encoded not in target.getvalue(), form
        assert target.getvalue().count(MASK) >= 2, form


def test_the_stream_holds_nothing_back_at_a_line_end(redactor: Redactor) -> None:
    target = io.StringIO()
    stream = RedactingStream(target, redactor)
    stream.write("first line\n")
    assert target.getvalue() == "first line\n"
    stream.write("partial ")
    stream.drain()
    assert target.getvalue() == "first line\npartial "


def test_the_stream_holds_back_only_a_tail_that_could_begin_a_secret(redactor: Redactor) -> None:
    # A terminal status line is redrawn in place, without a line end: it must show at once (no spelling of
    # the secret begins with a space, so nothing of it can be the start of one).
    target = io.StringIO()
    stream = RedactingStream(target, redactor)
    stream.write("  21 tokens  $0.0000 ")
    assert target.getvalue() == "  21 tokens  $0.0000 "
    # The first characters of the secret are held until the rest decides them.
    stream.write("then " + SECRET[:6])
    assert target.getvalue() == "  21 tokens  $0.0000 then "
    stream.write(SECRET[6:] + " done")
    stream.drain()
    assert target.getvalue() == f"  21 tokens  $0.0000 then {MASK} done"


def test_an_unregistered_key_shape_split_across_writes_is_masked() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, Redactor())
    for piece in ["Your key is s", "k-", "abcdef", "ghijkl", "mnop and that is all"]:
        stream.write(piece)
    stream.drain()
    assert "abcdefghijkl" not in target.getvalue()
    assert "sk-***" in target.getvalue()


def test_sealed_parameters_hold_names_not_values_and_unseal_exactly(redactor: Redactor) -> None:
    params = {"input": f"use {SECRET} twice: {SECRET}.", "variables": {"token": SECRET, "n": 3}, "max_steps": 4}

    stored = seal(params, redactor)
    text = json.dumps(stored)

    for encoded in encodings(SECRET).values():
        assert encoded not in text
    assert stored[SEALED_KEY]["/input"] == [
        ["text", "use "],
        ["secret", "PLANTED"],
        ["text", " twice: "],
        ["secret", "PLANTED"],
        ["text", "."],
    ]
    assert unseal(json.loads(text), {"PLANTED": SECRET}.__getitem__) == params


def test_unsealing_asks_for_each_named_secret(redactor: Redactor) -> None:
    stored = seal({"input": SECRET}, redactor)
    asked: list[str] = []

    def resolve(name: str) -> str:
        asked.append(name)
        raise LookupError(name)

    with pytest.raises(LookupError):
        unseal(stored, resolve)
    assert asked == ["PLANTED"]
