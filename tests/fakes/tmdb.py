"""A fake TMDB v3 API over real HTTP on 127.0.0.1, serving recorded-shape JSON from ``tests/fixtures/tmdb``.

It checks auth like TMDB (``Authorization: Bearer <read token>`` or ``?api_key=``), records every request, and
can be told to fail (``fail_next``) or to answer slowly (``slow``) on a path, so retries and time-outs are real.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tmdb"

API_KEY = "fake-api-key"
READ_TOKEN = "fake-read-token"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Recorded:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


class FakeTmdb:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._failures: dict[str, deque[int]] = {}
        self._delays: dict[str, float] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-tmdb", daemon=True
        )

    @property
    def url(self) -> str:
        """The v3 root, as ``TMDB_BASE_URL`` takes it."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/3"

    def start(self) -> FakeTmdb:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeTmdb:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def fail_next(self, path: str, *statuses: int) -> None:
        """The next requests to ``path`` (e.g. ``/3/movie/27205``) answer these statuses, in order."""
        with self._lock:
            self._failures.setdefault(path, deque()).extend(statuses)

    def slow(self, path: str, seconds: float) -> None:
        """Requests to ``path`` wait ``seconds`` before answering."""
        with self._lock:
            self._delays[path] = seconds

    def calls(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # -- the server side ---------------------------------------------------------------------------------

    def _answer(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(Recorded(path, params, headers))
            failures = self._failures.get(path)
            failure = failures.popleft() if failures else None
            delay = self._delays.get(path, 0.0)
        if delay:
            time.sleep(delay)
        if failure is not None:
            return failure, {"success": False, "status_code": 11, "status_message": "Internal error."}
        bearer = headers.get("authorization", "")
        if bearer != f"Bearer {READ_TOKEN}" and params.get("api_key") != API_KEY:
            return 401, fixture("invalid_api_key.json")
        if path == "/3/genre/movie/list":
            return 200, fixture("genre_movie_list.json")
        if path == "/3/search/movie":
            return 200, self._search(params)
        if path.startswith("/3/movie/"):
            return self._movie(path.removeprefix("/3/movie/"), params)
        return 404, fixture("not_found.json")

    @staticmethod
    def _search(params: dict[str, str]) -> dict[str, Any]:
        page = int(params.get("page", "1"))
        if "inception" in params.get("query", "").lower():
            return {**fixture("search_movie_inception.json"), "page": page}
        return {"page": page, "results": [], "total_pages": 1, "total_results": 0}

    @staticmethod
    def _movie(tmdb_id: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        file = FIXTURES / f"movie_{tmdb_id}.json"
        if not tmdb_id.isdigit() or not file.exists():
            return 404, fixture("not_found.json")
        body = fixture(file.name)
        appended = set(params.get("append_to_response", "").split(","))
        for extra in ("credits", "videos"):
            if extra not in appended:
                body.pop(extra, None)
        return 200, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, body = fake._answer(url.path, params, headers)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                # A client that timed out has hung up already: nothing to tell it.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler
