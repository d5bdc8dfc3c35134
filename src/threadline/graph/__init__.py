"""Graph stage (see DESIGN.md)."""
