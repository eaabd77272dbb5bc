"""Rooms and their seats (API.md §4)."""
