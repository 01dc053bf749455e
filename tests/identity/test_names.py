"""Name normalisation: diacritics, initials, "Last, First", hyphens, CJK, suffixes, particles."""

from __future__ import annotations

import pytest

from paperscope.names import (
    block_key,
    given_agreement,
    given_compatible,
    name_key,
    parse_name,
    swapped_block_key,
)


@pytest.mark.parametrize(
    ("printed", "given", "surname", "suffix"),
    [
        ("Haoyu Ren", ("haoyu",), "ren", ""),
        ("H. Ren", ("h",), "ren", ""),
        ("Ren, Haoyu", ("haoyu",), "ren", ""),
        ("José Müller", ("jose",), "muller", ""),
        ("Łukasz Żółć", ("lukasz",), "zolc", ""),
        ("Ya-Qi Yu", ("yaqi",), "yu", ""),
        ("Yaqi Yu", ("yaqi",), "yu", ""),
        ("J.-P. Sartre", ("j", "p"), "sartre", ""),
        ("John Smith Jr.", ("john",), "smith", "jr"),
        ("Jack W. Smith, Jr.", ("jack", "w"), "smith", "jr"),
        ("Smith, John A.", ("john", "a"), "smith", ""),
        ("Ludwig van Beethoven", ("ludwig",), "vanbeethoven", ""),
        ("José de la Cruz", ("jose",), "delacruz", ""),
        ("Mostafa El-Khamy", ("mostafa",), "elkhamy", ""),
        ("Mostafa El-khamy", ("mostafa",), "elkhamy", ""),
        ("Henry Ford III", ("henry",), "ford", "iii"),
    ],
)
def test_parse_name(printed: str, given: tuple[str, ...], surname: str, suffix: str) -> None:
    parts = parse_name(printed)
    assert (parts.given, parts.surname, parts.suffix) == (given, surname, suffix)


@pytest.mark.parametrize(
    ("a", "b", "compatible"),
    [
        ("H. Ren", "Haoyu Ren", True),
        ("Haoyu Ren", "Hao-Yu Ren", True),
        ("Ren, Haoyu", "Haoyu Ren", True),
        ("Hao Ren", "Haoyu Ren", False),
        ("J. A. Smith", "J. B. Smith", False),
        ("John Smith", "John A. Smith", True),
        ("Jose Muller", "José Müller", True),
        ("Wang Wei", "Wei Wang", True),
        ("Wei Wang", "Wei Zhang", False),
    ],
)
def test_given_compatible(a: str, b: str, compatible: bool) -> None:
    assert given_compatible(parse_name(a), parse_name(b)) is compatible
    assert given_compatible(parse_name(b), parse_name(a)) is compatible


def test_agreement_grades_full_names_above_initials() -> None:
    assert given_agreement(parse_name("Haoyu Ren"), parse_name("Haoyu  Ren")) == 2
    assert given_agreement(parse_name("H. Ren"), parse_name("Haoyu Ren")) == 1
    assert given_agreement(parse_name("Hao Ren"), parse_name("Haoyu Ren")) == 0


def test_block_keys_put_variants_of_one_name_together() -> None:
    variants = ["Haoyu Ren", "H. Ren", "Ren, Haoyu", "Hao-Yu Ren", "HAOYU REN"]
    assert {block_key(v) for v in variants} == {"ren h"}
    assert block_key("Mostafa El-Khamy") == block_key("Mostafa El Khamy") == "elkhamy m"
    assert swapped_block_key("Wei Wang") == "wei w"
    assert swapped_block_key("W. Wang") is None


def test_name_key_is_unchanged_for_ingest() -> None:
    assert name_key("Ren, Haoyu") == "haoyu ren"
    assert name_key("Mostafa El-Khamy") == "mostafa el khamy"
