"""Ingest: read seized files, validate them and load them into a case store."""
