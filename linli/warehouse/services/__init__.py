"""Writes of the love warehouse, one module per topic (DESIGN.md: split by topic, not layer)."""
