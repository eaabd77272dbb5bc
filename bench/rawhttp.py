"""A minimal HTTP/1.1 keep-alive client on asyncio streams, one connection per simulated client.

httpx's connection pool costs milliseconds of client CPU per request once hundreds of requests are in flight,
which would make the load generator the bottleneck of the contention and latency scenarios. This client
does what those scenarios need and nothing else: JSON requests on one persistent connection, answers with
``Content-Length`` or chunked bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from dataclasses import dataclass, field
from typing import Any


class HttpError(RuntimeError):
    pass


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class HttpConnection:
    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """One request; a gzip-encoded answer (after ``Accept-Encoding: gzip`` in ``headers``) is decompressed."""
        await self.open()
        assert self._reader is not None and self._writer is not None
        payload = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self._host}:{self._port}", f"Content-Length: {len(payload)}"]
        if payload:
            head.append("Content-Type: application/json")
        if token is not None:
            head.append(f"Authorization: Bearer {token}")
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        await self._writer.drain()
        try:
            response, keep_alive = await self._read_response(self._reader)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            await self.close()
            raise HttpError(f"{method} {path}: connection lost: {exc!r}") from exc
        if not keep_alive:
            await self.close()
        return response

    @staticmethod
    async def _read_response(reader: asyncio.StreamReader) -> tuple[Response, bool]:
        status_line = await reader.readuntil(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise HttpError(f"not an HTTP response: {status_line!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
            body = b"".join(chunks)
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        if body and headers.get("content-encoding", "").lower() == "gzip":
            body = zlib.decompress(body, wbits=31)
        return Response(status, body, headers), headers.get("connection", "").lower() != "close"
