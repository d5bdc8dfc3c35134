"""What a statement is for: the stage function that ran it, named by its docstring.

Stages say what each statement does in the docstring of the function that runs it
(``build_edges``: "Person-to-person edges from messages and payments"). When the engine
refuses a statement, or a progress display wants to show the step under way, the purpose is
read from the call stack: the innermost Threadline function outside ``store/`` that has a
docstring. No label has to be passed along and none can go stale.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Any

# The engine's own frames, and the case's front door (its audit context), say nothing of
# what a stage's statement is for.
_SKIPPED = ("threadline.store", "threadline.case")


@dataclass(frozen=True)
class Purpose:
    """The function that ran a statement (``module.name``) and the first line of its docstring."""

    function: str
    text: str

    def __str__(self) -> str:
        return f'"{self.text}" ({self.function})' if self.text else self.function


@dataclass(frozen=True)
class Statement:
    """A statement the engine started (``done`` false) or finished, with rows where known."""

    purpose: Purpose | None
    done: bool
    rows: int | None = None
    seconds: float = 0.0


StatementWatch = Callable[[Statement], None]


def _function(frame: FrameType) -> Any:
    """The function object a frame runs, when it can be found by its qualified name."""
    obj: Any = frame.f_globals
    for part in frame.f_code.co_qualname.split("."):
        if part == "<locals>":
            return None
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def purpose_of(frames: Iterable[FrameType]) -> Purpose | None:
    """The purpose of the innermost frame (``frames`` innermost first) of a stage's code.

    Frames of ``threadline.store``, ``threadline.case`` and other libraries are skipped;
    among Threadline's
    own, the first whose function has a docstring wins, else the innermost one by name.
    """
    first: Purpose | None = None
    for frame in frames:
        module = str(frame.f_globals.get("__name__", ""))
        if not module.startswith("threadline.") or module.startswith(_SKIPPED):
            continue
        name = f"{module}.{frame.f_code.co_qualname}"
        doc = getattr(_function(frame), "__doc__", None)
        if doc and doc.strip():
            return Purpose(name, doc.strip().splitlines()[0].strip().rstrip("."))
        first = first or Purpose(name, "")
    return first


def current_purpose() -> Purpose | None:
    """The purpose of the statement the caller is about to run."""
    frames = []
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return purpose_of(frames)


def raised_in(tb: TracebackType | None) -> Purpose | None:
    """The purpose of the statement whose failure produced a traceback."""
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return purpose_of(reversed(frames))
