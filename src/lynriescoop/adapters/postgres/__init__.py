"""PostgreSQL adapters: SQLAlchemy Core tables (kept apart from the entities), repositories, unit of work."""
