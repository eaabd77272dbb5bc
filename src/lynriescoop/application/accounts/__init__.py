"""Accounts and authentication (API.md §2) and user management (§7)."""
