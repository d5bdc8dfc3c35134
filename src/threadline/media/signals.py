"""Signal types: each kind of media hash knows how to validate, compare and give examples.

Modelled on Meta's python-threatexchange ``SignalType`` classes: one small class per hash
kind, so matching code and the generated tests (``tests/media/test_signals.py``) treat every
kind the same way. Hashes are the only thing Threadline keeps of a file; no content.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from threadline.errors import InvalidValue

# Meta's published defaults (threatexchange ``PdqSignal`` / ``vpdq_util``).
PDQ_MAX_DISTANCE = 31
PDQ_MIN_QUALITY = 50
VPDQ_QUERY_MATCH_PERCENT = 80.0
VPDQ_INDEX_MATCH_PERCENT = 0.0


class SignalType(ABC):
    """One kind of media hash."""

    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def validate(cls, text: str) -> str:
        """Return the canonical form of ``text`` or raise :class:`InvalidValue`."""

    @classmethod
    @abstractmethod
    def distance(cls, a: str, b: str) -> int:
        """How far apart two valid hashes are (0 means the same)."""

    @classmethod
    @abstractmethod
    def matches(cls, a: str, b: str) -> bool:
        """Whether two valid hashes match under the default threshold."""

    @classmethod
    @abstractmethod
    def examples(cls) -> list[str]:
        """Valid hashes for the generated tests."""


class HexDigest(SignalType):
    """A fixed-length hexadecimal digest compared for equality."""

    hex_length: ClassVar[int]

    @classmethod
    def validate(cls, text: str) -> str:
        """The digest in lower case, or InvalidValue when it is not ``hex_length`` hex digits."""
        value = text.strip().lower()
        if not re.fullmatch(f"[0-9a-f]{{{cls.hex_length}}}", value):
            raise InvalidValue(f"{text!r} is not a {cls.name} digest ({cls.hex_length} hex digits)")
        return value

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """0 for the same digest, 1 for different ones."""
        return 0 if cls.validate(a) == cls.validate(b) else 1

    @classmethod
    def matches(cls, a: str, b: str) -> bool:
        """Whether two digests are the same."""
        return cls.distance(a, b) == 0


class Md5Signal(HexDigest):
    """An MD5 file digest, matched exactly."""

    name = "md5"
    hex_length = 32

    @classmethod
    def examples(cls) -> list[str]:
        """Valid MD5 digests for the generated tests."""
        return ["d41d8cd98f00b204e9800998ecf8427e", "098f6bcd4621d373cade4e832627b4f6"]


class Sha1Signal(HexDigest):
    """A SHA-1 file digest, matched exactly."""

    name = "sha1"
    hex_length = 40

    @classmethod
    def examples(cls) -> list[str]:
        """A valid SHA-1 digest for the generated tests."""
        return ["da39a3ee5e6b4b0d3255bfef95601890afd80709"]


class Sha256Signal(HexDigest):
    """A SHA-256 file digest, matched exactly."""

    name = "sha256"
    hex_length = 64

    @classmethod
    def examples(cls) -> list[str]:
        """A valid SHA-256 digest for the generated tests."""
        return ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]


class PdqSignal(HexDigest):
    """Meta's PDQ perceptual hash: 256 bits compared by Hamming distance."""

    name = "pdq"
    hex_length = 64
    max_distance: ClassVar[int] = PDQ_MAX_DISTANCE
    min_quality: ClassVar[int] = PDQ_MIN_QUALITY

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """The Hamming distance: how many of the 256 bits differ."""
        return (int(cls.validate(a), 16) ^ int(cls.validate(b), 16)).bit_count()

    @classmethod
    def matches(cls, a: str, b: str) -> bool:
        """Whether two PDQ hashes differ in at most ``max_distance`` bits."""
        return cls.distance(a, b) <= cls.max_distance

    @classmethod
    def examples(cls) -> list[str]:
        """Valid PDQ hashes for the generated tests."""
        return [
            "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
            "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22",
        ]


@dataclass(frozen=True)
class VpdqFrame:
    """One hashed frame of a video."""

    pdq: str
    quality: int
    seconds: float

    def __str__(self) -> str:
        return f"{self.pdq},{self.quality},{self.seconds:.3f}"


@dataclass(frozen=True)
class VpdqComparison:
    """Share of each video's distinct good frames found in the other (percent)."""

    query_percent: float
    index_percent: float

    def is_match(self) -> bool:
        """Whether the shares reach Meta's default match thresholds (80 % of the query)."""
        return (
            self.query_percent >= VPDQ_QUERY_MATCH_PERCENT
            and self.index_percent >= VPDQ_INDEX_MATCH_PERCENT
            and self.query_percent > 0
        )


class VpdqSignal(SignalType):
    """Meta's vPDQ: a PDQ hash per sampled frame, matched by the share of frames found."""

    name = "vpdq"

    @classmethod
    def parse(cls, text: str) -> list[VpdqFrame]:
        """Frames of a serialised vPDQ hash (a JSON list of ``"pdq,quality,seconds"``)."""
        try:
            items = json.loads(text)
        except ValueError:
            raise InvalidValue(f"{text[:40]!r} is not a vPDQ hash (JSON list)") from None
        if not isinstance(items, list) or not items:
            raise InvalidValue("a vPDQ hash is a non-empty JSON list of frame strings")
        frames = []
        for item in items:
            parts = str(item).split(",")
            try:
                pdq, quality, seconds = parts
                frame = VpdqFrame(PdqSignal.validate(pdq), int(quality), float(seconds))
            except ValueError:
                raise InvalidValue(f"{item!r} is not a vPDQ frame (pdq,quality,seconds)") from None
            if not 0 <= frame.quality <= 100 or frame.seconds < 0:
                raise InvalidValue(f"{item!r} has a quality or time out of range")
            frames.append(frame)
        return frames

    @classmethod
    def serialise(cls, frames: list[VpdqFrame]) -> str:
        """Frames as a stored vPDQ hash: a JSON list of ``"pdq,quality,seconds"``."""
        return json.dumps([str(f) for f in frames])

    @classmethod
    def validate(cls, text: str) -> str:
        """The hash in canonical form, or InvalidValue when it is not a vPDQ hash."""
        return cls.serialise(cls.parse(text))

    @classmethod
    def good_frames(cls, text: str, min_quality: int = PDQ_MIN_QUALITY) -> list[str]:
        """Distinct frame hashes at or above the quality floor, in order (as the reference)."""
        seen: dict[str, None] = {}
        for f in cls.parse(text):
            if f.quality >= min_quality:
                seen.setdefault(f.pdq, None)
        return list(seen)

    @classmethod
    def compare(
        cls, query: str, indexed: str, max_distance: int = PDQ_MAX_DISTANCE
    ) -> VpdqComparison:
        """Brute-force comparison of two videos, as Meta's reference matcher does."""
        q, t = cls.good_frames(query), cls.good_frames(indexed)
        if not q or not t:
            return VpdqComparison(0.0, 0.0)
        qi = [int(h, 16) for h in q]
        ti = [int(h, 16) for h in t]
        q_hit = sum(any((a ^ b).bit_count() <= max_distance for b in ti) for a in qi)
        t_hit = sum(any((a ^ b).bit_count() <= max_distance for a in qi) for b in ti)
        return VpdqComparison(100.0 * q_hit / len(qi), 100.0 * t_hit / len(ti))

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """100 minus the query's matched share, so 0 means every frame was found."""
        return round(100 - cls.compare(a, b).query_percent)

    @classmethod
    def matches(cls, a: str, b: str) -> bool:
        """Whether the query video matches the indexed one under Meta's defaults."""
        return cls.compare(a, b).is_match()

    @classmethod
    def examples(cls) -> list[str]:
        """A valid vPDQ hash for the generated tests."""
        pdqs = PdqSignal.examples()
        return [cls.serialise([VpdqFrame(h, 100, float(i)) for i, h in enumerate(pdqs)])]


SIGNAL_TYPES: dict[str, type[SignalType]] = {
    s.name: s for s in (Sha256Signal, Md5Signal, Sha1Signal, PdqSignal, VpdqSignal)
}
EXACT_SIGNALS = ("sha256", "md5", "sha1")
