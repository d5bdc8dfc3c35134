"""Threadline: fuse seized chats, payments, logins and locations into evidenced targets."""

__version__ = "0.1.0"

from threadline.case import Case

__all__ = ["Case", "__version__"]
