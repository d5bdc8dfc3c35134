"""Rule and pack files (YAML): a user's file, or the default shipped inside a stage package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml


def load_yaml(path: Path | None, package: str, default: str, label: str) -> tuple[Any, str]:
    """The parsed file and where it came from (its path, or ``label`` for the default)."""
    if path is None:
        text = resources.files(package).joinpath(default).read_text(encoding="utf-8")
        return yaml.safe_load(text), label
    return yaml.safe_load(path.read_text(encoding="utf-8")), str(path)
