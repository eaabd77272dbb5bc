"""Showings and their seat maps (API.md §5)."""
