"""Fixtures of the media tests: generated benign images (shapes and noise) only."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from threadline.synth.media import MediaTruth, draw_image, write_media

SEED = 11


def jpeg(image: Image.Image, quality: int = 90, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality, **kwargs)
    return buf.getvalue()


@pytest.fixture
def rng() -> np.random.Generator:
    print(f"media test seed {SEED}")
    return np.random.default_rng(SEED)


@pytest.fixture
def picture(rng: np.random.Generator) -> Image.Image:
    """One generated 512-pixel picture (shapes over smooth colour fields)."""
    return draw_image(rng, 512)


@pytest.fixture(scope="session")
def media_world(tmp_path_factory: pytest.TempPathFactory) -> MediaTruth:
    """The 'tiny' synthetic media (seed 5): folders per holder, two hash lists, truth."""
    root: Path = tmp_path_factory.mktemp("media")
    print("synthetic media: scale tiny, seed 5")
    return write_media(
        root / "data",
        seed=5,
        scale="tiny",
        holders=["chatapp:seller_01", "chatapp:seller_02", "phone-7"],
    )
