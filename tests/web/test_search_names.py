"""The indexed name search finds exactly what scanning every name with name_match finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.resolve.names import NameFeatures, features
from threadline.web.search_names import NameIndex, name_match

# Syllables of Filipino, English and European names: spellings near each other, so the
# fuzzy, phonetic and part-of-name readings all occur.
PARTS = [
    "maria",
    "mariah",
    "santos",
    "santoss",
    "jose",
    "josé",
    "cruz",
    "kruz",
    "dela",
    "ana",
    "anna",
    "reyes",
    "reyez",
    "tom",
    "thom",
    "bright",
    "brite",
    "ake",
    "jansson",
    "janson",
    "van",
    "li",
    "lee",
    "nguyen",
    "ngyuen",
    "o'brien",
    "obrien",
    "µ",
    "1",
]
NAME = st.lists(st.sampled_from(PARTS), min_size=0, max_size=4).map(" ".join)
CASE = st.sampled_from([str.lower, str.upper, str.title])


def scan(q: NameFeatures, names: list[NameFeatures]) -> list[tuple[int, float, str]]:
    """The old search: name_match on every name."""
    return [(i, *m) for i, n in enumerate(names) if (m := name_match(q, n)) is not None]


@settings(max_examples=300)
@given(st.lists(st.tuples(NAME, CASE), max_size=40), NAME)
def test_the_index_agrees_with_a_scan_of_every_name(
    written: list[tuple[str, object]], query: str
) -> None:
    names = [features(case(n)) for n, case in written]  # type: ignore[operator]
    index = NameIndex.of(names)
    q = features(query)
    assert index.matches(q) == scan(q, names)


def test_each_way_a_name_matches_is_found() -> None:
    names = [
        features(n)
        for n in [
            "Maria Santos",
            "Santos, MARIA",
            "Maria Luisa Santos",
            "Marea Zantos",
            "Maria Sanctos",
            "Tom Bright",
            "",
        ]
    ]
    found = {
        i: (score, how) for i, score, how in NameIndex.of(names).matches(features("María Santos"))
    }
    assert found[0] == (1.0, "same name")
    assert found[1] == (0.97, "same name, other order")
    assert found[2] == (0.9, "part of the name")
    assert found[3] == (0.88, "sounds alike")
    assert found[4][1] == "similar spelling"
    assert 5 not in found
    assert 6 not in found
    assert NameIndex.of(names).matches(features("123")) == []
