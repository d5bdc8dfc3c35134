"""Score stage (see DESIGN.md)."""
