"""The one reader of outside text, JSON and integers (mockserver.text) and the one redaction."""

from __future__ import annotations

import orjson
import pytest

from mockserver import redaction
from mockserver.text import InvalidJson, clean, is_clean, loads, parse_int, parse_number, shown


@pytest.mark.parametrize("data", [b'"\\ud800"', b'{"a": "\\udfff"}', '"\udcff"'.encode("utf-8", "surrogatepass"),
                                  b'"\xff"', b"1" + b"0" * 400, b"{", b""])
def test_loads_refuses_what_could_not_be_serialised_again(data):
    with pytest.raises(InvalidJson):
        loads(data)


def test_loads_reads_pairs_of_surrogates():
    assert loads(b'"\\ud83d\\ude00"') == "\U0001F600"
    assert orjson.dumps(loads(b'{"a": [1, 2.5, null]}')) == b'{"a":[1,2.5,null]}'


@pytest.mark.parametrize("text, value", [("12", 12), (" 7 ", 7), ("-3", -3), ("+4", 4), (9, 9), ("0" * 18, 0)])
def test_parse_int_reads_ascii_digits(text, value):
    assert parse_int(text) == value


@pytest.mark.parametrize("text", ["\u0663", "\u00b2", "1" * 19, "1 2", "", "1.0", "1e3", True, None, 1.5, "0x10"])
def test_parse_int_refuses_everything_else(text):
    with pytest.raises(ValueError):
        parse_int(text)


def test_parse_int_bounds():
    assert parse_int("5", 1, 5) == 5
    with pytest.raises(ValueError):
        parse_int("6", 1, 5)
    with pytest.raises(ValueError):
        parse_int("0", 1)


@pytest.mark.parametrize("text, value", [("1", 1.0), ("-0.5", -0.5), (".5", 0.5), ("1e3", 1000.0), (2, 2.0)])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["inf", "nan", "1e400", "\u0663", "1,5", "", False])
def test_parse_number_refuses(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_clean_escapes_control_characters_and_lone_surrogates():
    assert clean("a\x00b\ud800c\x7f") == "a\\u0000b\\ud800c\\u007f"
    assert clean("plain é ✓") == "plain é ✓" and is_clean("plain é ✓")
    orjson.dumps(clean("\ud800"))  # serialisable


def test_shown_shortens_and_cleans():
    assert shown("x" * 200, 10) == "xxxxxxxxxx... (200 characters)"
    assert shown("\x01") == "\\u0001"
    assert shown(12) == "12"


# --- the one redaction ---------------------------------------------------------------------------

REDACT = redaction.BodyRedactor({"s3SecretKey", "password"})


@pytest.mark.parametrize("body", [
    b'{"auth": {"params": {"s3SecretKey": "SECRET-1"}},',                     # malformed JSON
    b'{"auth": {"params": {"s3SecretKey": "SECRET-1',                         # cut off inside the value
    b'[{"op": "replace", "path": "/auth/params/password", "value": "SECRET-1"',  # a malformed patch
    b'{"s3Secret\\u004bey": "SECRET-1"}',                                    # the name behind an escape
    b'{"p": {"s3Secret\\u004bey": SECRET-1}}}',                            # ... and the value bare
    b'{"s3SecretKey": "a" "x":SECRET-1, "y" = SECRET-1}',                    # bare after other names
    b'{"auth": {"params": {"s3SecretKey": ["SECRET-1"]}}}',                  # not a string
    b'[{"op": "add", "path": "/auth/params/password", "value": {"v": "SECRET-1"}}]',
])
def test_bodies_lose_their_secrets_whatever_their_shape(body):
    out = REDACT(body, "application/json")
    assert b"SECRET-1" not in out and b"[redacted sha256:" in out


def test_bodies_without_secrets_are_kept_as_they_are():
    body = b'{"name": "flow", "value": 1}'
    assert REDACT(body, "application/json") is body


def test_scrub_masks_values_and_their_quotes():
    assert redaction.scrub("'abc' does not match; abc", ["abc"]) == "'********' does not match; ********"
    assert redaction.scrub("nothing", ["", None]) == "nothing"
