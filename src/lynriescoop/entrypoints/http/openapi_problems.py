"""The OpenAPI side of the error table: how routes document their problem responses (``problems(...)``), and the
problems every operation can meet, added to the document once (:func:`install_problem_docs`)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from lynriescoop.entrypoints.http.errors import PROBLEM_JSON, TITLES

# Shared OpenAPI description of the problem responses, so every route documents its error codes.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
        "seat_ids": {"type": "array", "items": {"type": "string"}},
        "seat_labels": {
            "type": "array",
            "items": {"type": "string"},
            "description": "`single_seat_gap`: the seats the request would leave alone; "
            "`companion_needs_wheelchair`: the companion seats asked without their wheelchair space",
        },
        "available_seats": {"type": "integer", "description": "`no_adjacent_seats`: how many seats are free"},
    },
}


def problems(*entries: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route: ``problems((404, "movie_not_found"), (409, "tmdb_id_taken"))``.

    Codes sharing a status are listed together in the description.
    """
    by_status: dict[int, list[str]] = {}
    for status, code in entries:
        by_status.setdefault(status, []).append(code)
    return {
        status: {
            "description": f"{TITLES.get(status, 'Error')}: " + ", ".join(f"`{c}`" for c in codes),
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        }
        for status, codes in by_status.items()
    }


# Problems any operation can meet, whatever its own ``responses=`` say: documented on every operation so the
# OpenAPI document lists every status the app really sends (the schema fuzzing test holds it to that).
NO_DATABASE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _add_problem(operation: dict[str, Any], status: int, code: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    key = str(status)
    entry = responses.get(key)
    if entry is None or PROBLEM_JSON not in entry.get("content", {}):
        # Absent, or FastAPI's own 422 (application/json ``HTTPValidationError``), which this app never sends.
        responses[key] = problems((status, code))[status]
    elif f"`{code}`" not in entry.get("description", ""):
        entry["description"] = f"{entry['description']}, `{code}`"


def document_common_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Adds to every operation of an OpenAPI document the problems the app sends everywhere: 422
    ``validation_error`` where there is input to validate, 413 ``payload_too_large`` where there is a body, 503
    ``database_unavailable`` where the database is used. Drops FastAPI's unused validation schemas."""
    for path, methods in schema.get("paths", {}).items():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if operation.get("parameters") or operation.get("requestBody"):
                _add_problem(operation, 422, "validation_error")
            if operation.get("requestBody"):
                _add_problem(operation, 413, "payload_too_large")
            if path not in NO_DATABASE_PATHS:
                _add_problem(operation, 503, "database_unavailable")
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused in components and f"#/components/schemas/{unused}" not in str(schema.get("paths")):
            del components[unused]
    return schema


def install_problem_docs(app: FastAPI) -> None:
    """Makes ``app.openapi()`` answer the document with the common problems added (built once, then cached)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_common_problems(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
