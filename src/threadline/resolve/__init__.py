"""Resolve stage (see DESIGN.md)."""
