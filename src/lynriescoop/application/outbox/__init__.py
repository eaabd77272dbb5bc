"""Operating the outbox: list rows and queue one again (API.md §7, the outbox rows)."""
