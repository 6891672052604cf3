"""PIN hashes in the shared scrypt format."""

from __future__ import annotations

from agent.pin_hash import hash_pin, verify_pin


def test_a_pin_verifies_against_its_hash_and_nothing_else():
    stored = hash_pin("2222")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_pin("2222", stored)
    assert not verify_pin("2223", stored)


def test_each_hash_has_its_own_salt_unless_one_is_given():
    assert hash_pin("1111") != hash_pin("1111")
    assert hash_pin("1111", salt=b"0" * 16) == hash_pin("1111", salt=b"0" * 16)


def test_malformed_or_absurd_hashes_never_verify():
    stored = hash_pin("1111")
    assert not verify_pin("1111", "")
    assert not verify_pin("1111", stored.replace("scrypt", "bcrypt"))
    assert not verify_pin("1111", stored.replace("$16384$", "$1000$"))
    assert not verify_pin("1111", stored.replace("$16384$", f"${2**30}$"))
    assert not verify_pin("1111", stored[:-6] + "!!!!!!")
