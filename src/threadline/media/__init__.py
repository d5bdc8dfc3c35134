"""Media stage (see DESIGN.md)."""
