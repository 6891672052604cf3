"""Marking codes as scanners type them: with GS, with a substitute, with nothing, and refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.marking import (
    GROUPS,
    GS,
    SET_82,
    MarkingCodeError,
    barcodes_of_gtin,
    gtin_of_barcode,
    gtin_valid,
    parse,
    product_gtins,
)

# shaped like the codes on real packs (check digits right, lengths per group)
SHOES = (
    "010469025752852321G+mgsHw<DiLN_" + GS + "91EE05" + GS + "92sOe6fy7lPT8lLffZ5WdQ7Rp8P>XLDwEGD1Wv4oY71o4&"
)
CLOTHES = (
    "010290000231770121k3LInNbH_oG0Q" + GS + "91EE06" + GS + "92YXiyKfiHjE4YE8b+YVMC1O5r8VtpplA3AwcCqrcG9Dk="
)
MILK = "010460700978004721" + "5jX6ng" + GS + "93H2kk"
WATER = "010460043993125621" + "JgXJ5.T!bNh0e" + GS + "93dGVz"
MEDICINE = "010465006560045321" + "5WGKQ7EJCRH7C" + GS + "91EE06" + GS + "92" + "a" * 43 + "="
TOBACCO_PACK = "04606203098187" + "-jYq&Rb" + "AAAA" + "cc6u"
TOBACCO_BLOCK = "010460620309818721" + "-jYq&Rb" + GS + "8005095000" + GS + "93cc6u"


@pytest.mark.parametrize(
    ("raw", "gtin", "serial", "crypto"),
    [
        (SHOES, "04690257528523", "G+mgsHw<DiLN_", "sOe6fy7lPT8lLffZ5WdQ7Rp8P>XLDwEGD1Wv4oY71o4&"),
        (CLOTHES, "02900002317701", "k3LInNbH_oG0Q", "YXiyKfiHjE4YE8b+YVMC1O5r8VtpplA3AwcCqrcG9Dk="),
        (MILK, "04607009780047", "5jX6ng", "H2kk"),
        (WATER, "04600439931256", "JgXJ5.T!bNh0e", "dGVz"),
        (MEDICINE, "04650065600453", "5WGKQ7EJCRH7C", "a" * 43 + "="),
        (TOBACCO_PACK, "04606203098187", "-jYq&Rb", "cc6u"),
        (TOBACCO_BLOCK, "04606203098187", "-jYq&Rb", "cc6u"),
    ],
)
def test_real_world_shapes(raw, gtin, serial, crypto):
    code = parse(raw)
    assert (code.gtin, code.serial, code.crypto) == (gtin, serial, crypto)
    assert code.code == raw
    assert code.identity == f"01{gtin}21{serial}"


@pytest.mark.parametrize("raw", [SHOES, MILK, WATER, MEDICINE, TOBACCO_BLOCK])
def test_the_register_gets_one_form_whatever_the_scanner_sent(raw):
    assert parse(raw.replace(GS, "~"), substitutes=["~"]).code == raw
    assert parse("]d2" + raw + "\r\n").code == raw
    assert parse("\xe8" + raw).code == raw
    assert parse(GS + raw).code == raw


@pytest.mark.parametrize(
    ("raw", "group"), [(SHOES, "shoes"), (MILK, "milk"), (WATER, "water"), (MEDICINE, None)]
)
def test_no_separator_at_all_reads_by_the_groups_fixed_lengths(raw, group):
    assert parse(raw.replace(GS, ""), group=group).code == raw


def test_a_tobacco_pack_code_is_sent_as_typed():
    code = parse(TOBACCO_PACK, group="tobacco")
    assert code.code == TOBACCO_PACK and code.value("mrp") == "AAAA"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("", "empty"),
        ("4607009780047", "linear barcode"),
        ("0104607009780047215jX6ng", "crypto tail"),
        ("010460700978004321" + "5jX6ng" + GS + "93H2kk", "check digit"),
        (MILK.replace("jX", "оХ"), "Russian keyboard layout"),
        (MILK.replace("jX", "j X"), "never holds"),
        ("01" + "x" * 300, "longer than"),
        ("01046070097800472", "does not read"),
    ],
)
def test_refusals_say_what_is_wrong_and_what_to_do(raw, words):
    with pytest.raises(MarkingCodeError) as caught:
        parse(raw)
    assert words in caught.value.text
    assert caught.value.status == 422


def test_a_code_without_separators_that_reads_two_ways_is_refused_not_guessed():
    # a 13-character serial ending in "93abcd", or a 7-character one followed by two 93 elements
    raw = "010460700978004721" + "ABCDEFG93abcd" + "93wxyz"
    assert parse(raw, group="water").serial == "ABCDEFG93abcd"
    with pytest.raises(MarkingCodeError) as caught:
        parse(raw)
    assert "more than one way" in caught.value.text


def test_gtin_check_digits_and_barcodes():
    assert gtin_valid("04607009780047")
    assert not gtin_valid("04607009780044")
    assert gtin_of_barcode("4607009780047") == "04607009780047"
    assert gtin_of_barcode("abc") is None
    upc_a = "061234567899"
    assert product_gtins([upc_a, "4607009780047", "x"]) == {"00061234567899", "04607009780047"}
    assert barcodes_of_gtin("00061234567899") == ["0061234567899", upc_a, "00061234567899"]
    assert barcodes_of_gtin("04607009780047") == ["4607009780047", "04607009780047"]
    assert barcodes_of_gtin("00000012345670")[-1] == "12345670"  # EAN-8
    for gtin in ("00061234567899", "04607009780047", "00000012345670"):
        assert {gtin_of_barcode(barcode) for barcode in barcodes_of_gtin(gtin)} == {gtin}


def _gtin(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


chars = st.sampled_from(sorted(SET_82))


@st.composite
def codes(draw):
    group = GROUPS[draw(st.sampled_from(sorted(GROUPS)))]
    gtin = _gtin(draw(st.text("0123456789", min_size=13, max_size=13)))
    serial = draw(st.text(chars, min_size=group.serials[0], max_size=group.serials[0]))
    if group.tail == ("93",):
        tail = [("93", draw(st.text(chars, min_size=4, max_size=4)))]
    else:
        size = draw(st.sampled_from([44, 88]))
        tail = [
            ("91", draw(st.text(chars, min_size=4, max_size=4))),
            ("92", draw(st.text(chars, min_size=size, max_size=size))),
        ]
    elements = [("01", gtin), ("21", serial), *tail]
    raw = "01" + gtin + "21" + serial + "".join(GS + ai + value for ai, value in tail)
    return group.name, elements, raw


@given(codes(), st.sampled_from(["~", "|", "{"]))
def test_any_code_reads_back_with_gs_or_a_substitute(case, substitute):
    _group, elements, raw = case
    assert list(parse(raw).elements) == elements
    assert parse(raw.replace(GS, substitute), substitutes=[substitute]).code == raw


@given(codes())
def test_without_separators_a_code_reads_right_or_is_refused_never_wrong(case):
    group, _elements, raw = case
    try:
        assert parse(raw.replace(GS, ""), group=group).code == raw
    except MarkingCodeError as error:
        assert "more than one way" in error.text


@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused_with_words(text):
    try:
        code = parse(text)
    except MarkingCodeError as error:
        assert error.text
    else:
        assert gtin_valid(code.gtin) and len(code.code) <= 256
