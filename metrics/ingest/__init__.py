"""Extracts into the store: readers, column mappings, row rules, merge by id, demo data."""
