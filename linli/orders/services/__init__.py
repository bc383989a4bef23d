"""Writes of the orders app, by topic: needs and resources, the order workflow, matching."""
