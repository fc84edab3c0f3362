"""The fast codec hashes and checks exactly as the canonical ``json`` encoding does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3engine.journal import codec
from s3engine.journal.event import encode_line, event_hash

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def event(data: Any) -> dict[str, Any]:
    return {"seq": 1, "time": "t", "actor": "a", "process": "", "type": "x.y", "data": data}


@settings(max_examples=400, deadline=None)
@given(values)
def test_a_new_events_hash_is_the_canonical_one(data: Any) -> None:
    ev = event(data)
    try:
        expected = event_hash(ev)
    except ValueError:  # a lone surrogate: both refuse it the same way
        try:
            codec.new_hash(ev)
        except ValueError:
            return
        raise AssertionError("the fast hash accepted what the canonical one refuses") from None
    assert codec.new_hash(ev) == expected


@settings(max_examples=400, deadline=None)
@given(values, st.booleans())
def test_a_line_checks_as_the_standard_decoder_and_hash_say(data: Any, tamper: bool) -> None:
    ev = event(data)
    try:
        ev["hash"] = event_hash(ev)
    except ValueError:
        return
    line = encode_line(ev)
    if tamper:
        ev["actor"] = "b"
        line = encode_line(ev)  # the same hash, other content
    decoded, ok = codec.checked(line)
    standard = json.loads(line)
    assert ok == (event_hash({k: v for k, v in standard.items() if k != "hash"}) == ev["hash"])
    assert ok != tamper
    if ok:
        assert json.dumps(decoded, sort_keys=True) == json.dumps(standard, sort_keys=True)


texts = st.text() | st.text(alphabet=',:"\\ {}[]\n\t\x00\x1f\u2028é✓', max_size=8)
line_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | texts,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(texts, inner, max_size=4)
    ),
    max_leaves=12,
)
tops = st.sampled_from(["seq", "time", "actor", "auth", "process", "data", "request", "other"])


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(tops, line_values, max_size=8), line_values)
def test_the_fast_line_is_the_standard_line(fields: dict[str, Any], data: Any) -> None:
    ev = {**event(data), **fields, "prev": "0" * 64, "hash": "a" * 64}
    try:
        expected = encode_line(ev)
    except ValueError:  # a lone surrogate: both refuse it the same way
        try:
            codec.line(ev)
        except ValueError:
            return
        raise AssertionError("the fast line accepted what the standard one refuses") from None
    assert codec.line(ev) == expected


@settings(max_examples=300, deadline=None)
@given(
    line_values,
    st.one_of(st.just(None), st.fixed_dictionaries({"via": texts, "by": texts})),
    st.one_of(st.just(None), texts),
    st.integers(min_value=-(2**70), max_value=2**70),
)
def test_the_fast_line_of_events_as_s3flow_builds_them(
    data: Any, auth: Any, request: Any, seq: int
) -> None:
    ev = {**event(data), "seq": seq, "prev": "0" * 64}
    if auth is not None:
        ev["auth"] = auth
    if request is not None:
        ev["request"] = request
    ev["hash"] = "f" * 64
    try:
        expected = encode_line(ev)
    except ValueError:  # a lone surrogate
        with pytest.raises(ValueError):
            codec.line(ev)
        return
    assert codec.line(ev) == expected


def test_the_fast_line_of_a_typical_event() -> None:
    ev = event({"response": "Yes: racks, please", "n": [1, 2], "who": {"a": None}})
    ev.update(auth={"via": "operator", "by": "Ana"}, request="r-1", prev="0" * 64, hash="f" * 64)
    assert codec.line(ev) == encode_line(ev)
    assert codec.line({**ev, "actor": ["not", "text"]}) == encode_line(
        {**ev, "actor": ["not", "text"]}
    )
    assert codec.line({}) == b"{}\n"


@settings(max_examples=400, deadline=None)
@given(
    line_values,
    st.one_of(st.just(None), st.fixed_dictionaries({"via": texts, "by": texts}), line_values),
    st.one_of(st.just(None), texts, line_values),
    st.one_of(st.integers(min_value=-(2**70), max_value=2**70), line_values),
    st.dictionaries(tops, line_values, max_size=2),
)
def test_a_new_events_hash_and_line_are_the_standard_ones(
    data: Any, auth: Any, request: Any, seq: Any, fields: dict[str, Any]
) -> None:
    ev = {**event(data), "seq": seq, "prev": "0" * 64}
    if auth is not None:
        ev["auth"] = auth
    if request is not None:
        ev["request"] = request
    if len(fields) == 1:  # now and then another key, or another value for a known one
        ev.update(fields)
    try:
        digest = event_hash(ev)
        expected = encode_line({**ev, "hash": digest})
    except (TypeError, ValueError) as exc:  # a lone surrogate, or a value JSON cannot hold
        with pytest.raises(type(exc)):
            codec.hash_and_line(ev)
        return
    assert codec.hash_and_line(ev) == (digest, expected)
