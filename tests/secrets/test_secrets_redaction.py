"""The redaction registry: registered values, credential shapes, JSON-like objects, log records."""

from __future__ import annotations

import io
import json
import logging
import threading
from urllib.parse import quote

import pytest

from aixgo_cli.secrets import redaction
from aixgo_cli.secrets.redaction import MASK, RedactingFilter, Redactor

PLANTED = "sk-planted-secret-9Q7"
PLAIN = "correct-horse-battery-staple"  # no credential shape: only registration can hide it


@pytest.fixture
def r() -> Redactor:
    return Redactor()


def test_registered_value_is_replaced_everywhere_in_text(r: Redactor) -> None:
    r.register(PLAIN)
    text = f"key={PLAIN}; again {PLAIN}."
    assert r.redact(text) == f"key={MASK}; again {MASK}."


def test_unregistered_plain_text_is_left_alone(r: Redactor) -> None:
    assert r.redact(f"key={PLAIN}") == f"key={PLAIN}"


def test_values_shorter_than_four_characters_are_ignored(r: Redactor) -> None:
    r.register("abc")
    r.register("")
    assert r.count() == 0
    assert r.redact("abc abcd") == "abc abcd"
    r.register("abcd")
    assert r.redact("abc abcd") == f"abc {MASK}"


def test_longest_value_wins_when_one_contains_another(r: Redactor) -> None:
    r.register("token1234")
    r.register("token1234-extended")
    assert r.redact("a token1234-extended b token1234 c") == f"a {MASK} b {MASK} c"


def test_url_quoted_and_json_escaped_spellings_are_redacted(r: Redactor) -> None:
    secret = 'p@ss/wo"rd+1'
    r.register(secret)
    assert quote(secret, safe="") in f"https://x.test/?key={quote(secret, safe='')}"
    assert r.redact(f"https://x.test/?key={quote(secret, safe='')}") == f"https://x.test/?key={MASK}"
    assert r.redact(json.dumps({"k": secret})) == json.dumps({"k": MASK})


def test_regex_metacharacters_in_values_are_literal(r: Redactor) -> None:
    r.register("a.b*c+d")
    assert r.redact("a.b*c+d axbbbccd") == f"{MASK} axbbbccd"


@pytest.mark.parametrize(
    ("leak", "expected"),
    [
        (PLANTED, "sk-***"),
        ("sk-proj-AbCdEfGh12345678", "sk-***"),
        ("xai-AbCdEfGhIjKl1234", "xai-***"),
        ("ghp_" + "a1B2" * 9, "ghp_***"),
        ("github_pat_11ABCDEFG0123456789_abcdefghij", "github_pat_***"),
        ("AKIAIOSFODNN7EXAMPLE", "AKIA***"),
        ("hf_" + "x1Y2" * 8, "hf_***"),
        ("Authorization: Bearer eyJhbGciOi.J9abc1.def", "Authorization: Bearer ***"),
    ],
)
def test_credential_shapes_are_masked_without_registration(r: Redactor, leak: str, expected: str) -> None:
    assert r.redact(f"<{leak}>") == f"<{expected}>"


@pytest.mark.parametrize(
    "prose",
    ["the bearer token was rejected", "task-force sk-8 ranking", "AKIA is not a key", "ghp_short"],
)
def test_ordinary_prose_is_not_mistaken_for_a_key(r: Redactor, prose: str) -> None:
    assert r.redact(prose) == prose


def test_redact_obj_is_deep_covers_keys_and_does_not_mutate(r: Redactor) -> None:
    r.register(PLAIN)
    original = {
        "headers": {"x-api-key": PLAIN, PLAIN: "as a key"},
        "messages": [{"content": f"use {PLAIN}"}, ("tuple", PLAIN)],
        "count": 3,
        "ok": True,
        "none": None,
    }
    snapshot = json.dumps(original, default=list)
    redacted = r.redact_obj(original)
    assert redacted == {
        "headers": {"x-api-key": MASK, MASK: "as a key"},
        "messages": [{"content": f"use {MASK}"}, ("tuple", MASK)],
        "count": 3,
        "ok": True,
        "none": None,
    }
    assert json.dumps(original, default=list) == snapshot
    assert PLAIN not in json.dumps(redacted, default=list)


def _capture_logger(name: str, redactor: Redactor) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(redactor))
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_log_filter_redacts_message_args_and_traceback(r: Redactor) -> None:
    r.register(PLAIN)
    logger, stream = _capture_logger("aixgo.test.redaction", r)
    logger.info("calling with key %s and %d retries", PLAIN, 3)
    logger.warning(f"inline {PLAIN}")
    try:
        raise ValueError(f"provider said: bad key {PLAIN}")
    except ValueError:
        logger.exception("call failed")
    out = stream.getvalue()
    assert PLAIN not in out
    assert f"INFO calling with key {MASK} and 3 retries" in out
    assert f"WARNING inline {MASK}" in out
    assert f"ValueError: provider said: bad key {MASK}" in out


def test_log_filter_redacts_a_secret_split_between_format_and_args(r: Redactor) -> None:
    r.register(PLAIN)
    logger, stream = _capture_logger("aixgo.test.split", r)
    head, tail = PLAIN[:10], PLAIN[10:]
    logger.info(head + "%s", tail)
    assert PLAIN not in stream.getvalue()
    assert MASK in stream.getvalue()


def test_log_filter_keeps_a_record_with_bad_format_args(r: Redactor) -> None:
    r.register(PLAIN)
    logger, stream = _capture_logger("aixgo.test.badargs", r)
    logger.info("two %s %s but one", PLAIN)  # noqa: PLE1206  (the malformed call is the point)
    out = stream.getvalue()
    assert "two" in out
    assert PLAIN not in out


def test_redact_exception_text_uses_the_process_registry() -> None:
    secret = "procwide-secret-value-5521"
    redaction.register(secret)
    try:
        try:
            raise KeyError(f"lookup of {secret}")
        except KeyError as inner:
            raise RuntimeError(f"wrapped {secret}") from inner
    except RuntimeError as exc:
        short = redaction.redact_exception_text(exc)
        full = redaction.redact_exception_text(exc, with_traceback=True)
    assert short == f"RuntimeError: wrapped {MASK}"
    assert secret not in full
    assert "KeyError" in full
    assert "Traceback" in full


def test_module_functions_share_one_registry() -> None:
    secret = "shared-registry-value-7781"
    assert redaction.redact(secret) == secret
    redaction.register(secret)
    assert redaction.redact(f"x {secret}") == f"x {MASK}"
    assert redaction.redact_obj({"v": [secret]}) == {"v": [MASK]}
    assert redaction.default_redactor().redact(secret) == MASK


def test_concurrent_registration_loses_no_value(r: Redactor) -> None:
    values = [f"thread-{t}-value-{i:03d}" for t in range(8) for i in range(50)]
    chunks = [values[t * 50 : (t + 1) * 50] for t in range(8)]
    start = threading.Barrier(9)

    def worker(chunk: list[str]) -> None:
        start.wait()
        for v in chunk:
            r.register(v)
            r.redact(v)  # readers run while the pattern is being swapped

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    start.wait()
    for t in threads:
        t.join()
    text = " ".join(values)
    assert r.redact(text) == " ".join([MASK] * len(values))
