"""tmdb adapters."""
