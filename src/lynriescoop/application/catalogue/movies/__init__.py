"""Movies of the catalogue: browse, manage, and import from the movie source (TMDB)."""
