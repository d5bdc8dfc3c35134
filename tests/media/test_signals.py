"""Generated tests for every signal type (as threatexchange's auto-tests), plus properties."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.errors import InvalidValue
from threadline.media.signals import (
    SIGNAL_TYPES,
    PdqSignal,
    SignalType,
    VpdqFrame,
    VpdqSignal,
)

SIGNALS = list(SIGNAL_TYPES.values())
hex256 = st.integers(min_value=0, max_value=2**256 - 1).map(lambda n: f"{n:064x}")


@pytest.mark.parametrize("signal", SIGNALS, ids=lambda s: s.name)
def test_examples_are_valid_and_canonical(signal: type[SignalType]) -> None:
    for example in signal.examples():
        assert signal.validate(example) == example
        assert signal.distance(example, example) == 0
        assert signal.matches(example, example)


@pytest.mark.parametrize("signal", SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("bad", ["", "xyz", "12", "not a hash at all"])
def test_garbage_is_refused(signal: type[SignalType], bad: str) -> None:
    with pytest.raises(InvalidValue):
        signal.validate(bad)


@pytest.mark.parametrize("signal", [s for s in SIGNALS if s.name != "vpdq"], ids=lambda s: s.name)
def test_hex_digests_normalise_case_and_space(signal: type[SignalType]) -> None:
    example = signal.examples()[0]
    assert signal.validate(f"  {example.upper()} ") == example


@given(hex256, hex256, hex256)
def test_pdq_distance_is_a_metric(a: str, b: str, c: str) -> None:
    assert PdqSignal.distance(a, b) == PdqSignal.distance(b, a)
    assert PdqSignal.distance(a, c) <= PdqSignal.distance(a, b) + PdqSignal.distance(b, c)
    assert (PdqSignal.distance(a, b) == 0) == (a == b)


@given(hex256, st.integers(0, 255))
def test_pdq_threshold_is_inclusive_at_31(a: str, bit: int) -> None:
    n = int(a, 16)
    flipped = n
    for k in range(31):  # exactly 31 bits differ: a match; 32: none
        flipped ^= 1 << ((bit + k) % 256)
    assert PdqSignal.matches(a, f"{flipped:064x}")
    assert not PdqSignal.matches(a, f"{flipped ^ (1 << ((bit + 31) % 256)):064x}")


@given(st.lists(st.tuples(hex256, st.integers(0, 100), st.floats(0, 1e5)), min_size=1))
def test_vpdq_serialisation_round_trips(frames: list[tuple[str, int, float]]) -> None:
    text = VpdqSignal.serialise([VpdqFrame(h, q, s) for h, q, s in frames])
    assert VpdqSignal.validate(text) == text
    assert [f.pdq for f in VpdqSignal.parse(text)] == [h for h, _, _ in frames]


def test_vpdq_compare_follows_the_reference_thresholds() -> None:
    a, b = PdqSignal.examples()
    far = "0" * 64
    video = VpdqSignal.serialise([VpdqFrame(a, 100, 0.0), VpdqFrame(b, 100, 1.0)])
    # Every good frame of the query found: 100 %.
    assert VpdqSignal.compare(video, video).query_percent == 100.0
    # One of two frames found: 50 % < 80 %, no match.
    half = VpdqSignal.serialise([VpdqFrame(a, 100, 0.0), VpdqFrame(far, 100, 1.0)])
    assert not VpdqSignal.compare(half, video).is_match()
    # Low-quality frames are ignored, duplicates counted once.
    low = VpdqSignal.serialise(
        [VpdqFrame(a, 100, 0.0), VpdqFrame(a, 100, 1.0), VpdqFrame(far, 10, 2.0)]
    )
    assert VpdqSignal.compare(low, video).is_match()
    with pytest.raises(InvalidValue):
        VpdqSignal.parse(json.dumps(["abc,1,2"]))
