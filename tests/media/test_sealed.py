"""Sealed hash manifests: only the case key opens them, and any altered byte is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.media.sealed import MAGIC, seal, unseal

KEY = "9f1c2e7a4b6d8e0f1a3c5e7b9d2f4a6c"  # synthetic test key


@given(st.text(max_size=2000))
def test_what_is_sealed_opens_again(text: str) -> None:
    blob = seal(text, KEY)
    assert blob.startswith(MAGIC)
    assert unseal(blob, KEY) == text


def test_the_text_is_not_on_disk_and_a_wrong_key_or_a_changed_byte_is_refused() -> None:
    text = "path,sha256,found_on\nDCIM/IMG_0001.jpg,ab,device:SN-4411\n"
    blob = seal(text, KEY)
    assert b"SN-4411" not in blob
    assert seal(text, KEY) == blob  # stable bytes: the same sha256 and source id each run
    assert seal(text + " ", KEY)[len(MAGIC) : len(MAGIC) + 12] != blob[len(MAGIC) : len(MAGIC) + 12]
    with pytest.raises(ValueError, match="does not open"):
        unseal(blob, KEY + "0")
    altered = bytearray(blob)
    altered[-1] ^= 1
    with pytest.raises(ValueError, match="does not open"):
        unseal(bytes(altered), KEY)
    with pytest.raises(ValueError, match="not a sealed"):
        unseal(text.encode(), KEY)
