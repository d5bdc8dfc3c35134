"""Resolve: selectors, payment parties and persons."""
