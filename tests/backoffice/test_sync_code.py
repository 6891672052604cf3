"""Sync codes: normalization forgives people, the check symbol catches their typos."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from agent import sync_code

codes = st.builds(lambda _: sync_code.generate(), st.integers())


def test_generated_codes_are_valid_and_shown_in_two_parts():
    code = sync_code.generate()
    assert len(code) == sync_code.LENGTH and sync_code.is_valid(code)
    shown = sync_code.display(code)
    assert shown[4] == "-" and shown.replace("-", "") == code


def test_normalize_forgives_case_spaces_dashes_and_confusables():
    assert sync_code.normalize(" ab-cd  ef_gh ") == "ABCDEFGH"
    assert sync_code.normalize("oOiIlL") == "001111"


@given(codes)
def test_a_code_survives_how_people_type_it(code):
    typed = sync_code.display(code).lower().replace("0", "o").replace("1", "l")
    assert sync_code.is_valid(" " + typed.replace("-", " - ") + " ")


@given(codes, st.integers(min_value=0, max_value=sync_code.LENGTH - 1), st.sampled_from(sync_code.ALPHABET))
def test_any_single_wrong_symbol_is_caught(code, position, symbol):
    typo = code[:position] + symbol + code[position + 1 :]
    assert sync_code.is_valid(typo) == (typo == code)


@given(codes, st.integers(min_value=0, max_value=sync_code.LENGTH - 2))
def test_any_swap_of_neighbours_is_caught(code, position):
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    assert sync_code.is_valid(swapped) == (swapped == code)


def test_wrong_length_or_alphabet_is_invalid():
    code = sync_code.generate()
    assert not sync_code.is_valid(code[:-1])
    assert not sync_code.is_valid(code + "0")
    assert not sync_code.is_valid("U" + code[1:])  # U is only ever a check symbol
    assert not sync_code.is_valid("")


def test_extra_check_symbols_are_accepted_when_right():
    data = next(
        d for d in (f"{n:08d}" for n in range(1000)) if sync_code.check_symbol(d) not in sync_code.ALPHABET
    )
    assert sync_code.is_valid(data + sync_code.check_symbol(data))
