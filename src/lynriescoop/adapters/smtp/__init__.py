"""smtp adapters."""
