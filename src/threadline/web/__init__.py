"""Web stage (see DESIGN.md)."""
