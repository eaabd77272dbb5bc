"""Ports: narrow interfaces named for a role. Adapters satisfy them; use cases depend only on them."""
