"""Signals stage (see DESIGN.md)."""
