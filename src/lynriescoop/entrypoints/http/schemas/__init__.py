"""Pydantic request and response schemas: the edge of the HTTP contract."""
