"""Threadline: fuse seized chats, payments, logins and locations into evidenced targets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from threadline.case import Case


def __getattr__(name: str) -> Any:
    # Lazy, so worker processes (media hashing) import only what they use, not the engine.
    if name == "Case":
        from threadline.case import Case

        return Case
    raise AttributeError(f"module 'threadline' has no attribute {name!r}")


__all__ = ["Case", "__version__"]
