"""Tickets and check-in (API.md §11)."""
