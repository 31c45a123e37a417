"""Signed statements and leaf encoding."""

import nacl.signing
import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from provenance.core.canonical import NotCanonicalizable, canonical_json
from provenance.core.entry import leaf_bytes, parse_leaf, statement_leaf, verify_leaf
from provenance.core.signing import (
    InvalidStatement,
    SignedStatement,
    b64,
    sign_statement,
    signed_message,
    verify_statement,
)

KEY = nacl.signing.SigningKey(bytes(range(32)))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), json_values, max_size=6), st.sampled_from(["contribution", "ballot.cast", "policy"]))
def test_leaf_bytes_equal_the_rfc8785_encoding_of_the_whole_entry(body, kind):
    s = sign_statement(KEY, kind, body)
    expected = rfc8785.dumps({"body": body, "key": b64(s.public_key), "kind": kind, "sig": b64(s.signature)})
    assert statement_leaf(s) == expected
    parsed = parse_leaf(expected)
    assert parsed.body == body and parsed.kind == kind and parsed.canonical_body == canonical_json(body)


def test_a_statement_signed_for_one_kind_does_not_verify_as_another():
    s = sign_statement(KEY, "ballot", {"proposal": 1, "choice": "yes"})
    with pytest.raises(InvalidStatement):
        verify_statement(SignedStatement("contribution", s.body, s.public_key, s.signature))


def test_signature_covers_a_domain_separated_message():
    assert signed_message("ballot", b"{}") == b"coop-ledger statement v1\nballot\n{}"


def test_tampered_body_is_refused():
    s = sign_statement(KEY, "contribution", {"minutes": 12})
    with pytest.raises(InvalidStatement):
        statement_leaf(SignedStatement(s.kind, {"minutes": 13}, s.public_key, s.signature))


def test_tampered_leaf_fails_verification():
    leaf = statement_leaf(sign_statement(KEY, "contribution", {"minutes": 12}))
    with pytest.raises(InvalidStatement):
        verify_leaf(leaf.replace(b"12", b"13"))


def test_non_canonical_leaf_is_refused():
    s = sign_statement(KEY, "contribution", {"a": 1, "b": 2})
    leaf = leaf_bytes(s.kind, b'{"b":2,"a":1}', s.public_key, s.signature)
    with pytest.raises(InvalidStatement):
        verify_leaf(leaf, strict_canonical_body=True)


@pytest.mark.parametrize("value", [{"x": 1.5}, {1: "x"}, {"x": 2**60}])
def test_floats_non_string_keys_and_huge_integers_cannot_be_signed(value):
    with pytest.raises(NotCanonicalizable):
        canonical_json(value)


@pytest.mark.parametrize("kind", ["", "Contribution", "a b", "x" * 60, 'a"b'])
def test_bad_kinds_are_refused(kind):
    with pytest.raises(InvalidStatement):
        sign_statement(KEY, kind, {})
