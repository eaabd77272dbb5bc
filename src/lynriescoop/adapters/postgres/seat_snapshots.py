"""``seats/snapshot`` of several showings: the state from PostgreSQL, the seats' order and names from memory.

A snapshot is every seat of the showing's room with its status, front row first. Rendering the whole array in
PostgreSQL (``json_agg`` of 250 ``json_build_object``\\s per showing, the relay's read after every batch) cost about
3.5 ms of the server's CPU and 0.8 ms of the service's per snapshot on the benchmark machine: more than the booking
that caused it (docs/benchmarks.md). But most of a snapshot never changes: a room's seats are created with the room,
and their ids, labels and order (``row_index``, ``number``) are never edited (only ``is_active`` and ``category``
are). So:

- PostgreSQL sends only what changes, for every showing of the batch in one statement: the seat version, the ids of
  the room's blocked seats, and each live claim with its booking's status and expiry (about 0.8 ms of server CPU);
- each room's seats are read once per process (:class:`RoomSeatTemplates`, an LRU of ``ROOM_TEMPLATES`` rooms) as
  pre-encoded JSON pieces, ``{"seat_id":"…","label":"A1","status":`` per seat, in seat-map order;
- the status of a seat is the rule of ``domain/seat_maps.py`` (``seat_status``: blocked when inactive, else the
  claim's effect; an active seat without a live claim is available), and the array is joined from the pieces.

``tests/contract/test_catalogue_views.py`` holds the snapshot to the seat map, seat by seat, on both adapters.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg  # type: ignore[import-untyped]
import orjson

from lynriescoop.application.ports.delivery import SeatSnapshot
from lynriescoop.domain.seat_maps import SeatStatus, seat_status

ROOM_TEMPLATES = 256  # rooms kept; a cinema has a few dozen, and an evicted one is read again (one statement)

# $1 the showings. The state of each: what a snapshot needs that can change.
_SNAPSHOT_STATE = """
    SELECT sh.id, sh.room_id, sh.seat_version,
           ARRAY(SELECT se.id FROM seats AS se WHERE se.room_id = sh.room_id AND NOT se.is_active) AS blocked,
           c.seat_ids, c.statuses, c.expires
    FROM showings AS sh
    LEFT JOIN LATERAL (
      SELECT array_agg(r.seat_id) AS seat_ids, array_agg(b.status) AS statuses, array_agg(b.expires_at) AS expires
      FROM seat_reservations AS r JOIN bookings AS b ON b.id = r.booking_id
      WHERE r.showing_id = sh.id AND r.is_live
    ) AS c ON true
    WHERE sh.id = ANY($1::uuid[])
"""
# $1 the rooms. Their seats in seat-map order (the order of GET /showings/{id}/seats).
_ROOM_SEATS = """
    SELECT room_id, array_agg(id ORDER BY row_index, number) AS ids,
           array_agg(row_label || number::text ORDER BY row_index, number) AS labels
    FROM seats WHERE room_id = ANY($1::uuid[]) GROUP BY room_id
"""

# A seat's piece is its object up to the status; the status closes it.
_STATUS_ENDS = {status: orjson.dumps(status.value) + b"}" for status in SeatStatus}


@dataclass(frozen=True, slots=True)
class RoomTemplate:
    """A room's seats in seat-map order: each seat's object up to ``"status":`` (``starts``), the whole object of the
    seat when available (``available``), and each seat id's position (``index``). Rendering copies ``available`` and
    rewrites only the seats that are not: a UUID's hash is computed in Python, so the loop touches as few as it can."""

    starts: tuple[bytes, ...]
    available: tuple[bytes, ...]
    index: Mapping[UUID, int]


EMPTY_TEMPLATE = RoomTemplate((), (), {})


def room_template(ids: Sequence[UUID], labels: Sequence[str]) -> RoomTemplate:
    """The template of a room whose seats, in seat-map order, have these ids and labels."""
    starts = tuple(
        orjson.dumps({"seat_id": str(seat_id), "label": label})[:-1] + b',"status":'
        for seat_id, label in zip(ids, labels, strict=True)
    )
    end = _STATUS_ENDS[SeatStatus.AVAILABLE]
    return RoomTemplate(starts, tuple(start + end for start in starts), {seat_id: i for i, seat_id in enumerate(ids)})


class RoomSeatTemplates:
    """The templates of the ``capacity`` rooms used last (LRU). What they hold never changes, so an entry is never
    stale: it only ages out."""

    def __init__(self, capacity: int = ROOM_TEMPLATES) -> None:
        self._capacity = capacity
        self._rooms: OrderedDict[UUID, RoomTemplate] = OrderedDict()

    def __len__(self) -> int:
        return len(self._rooms)

    def get(self, room_id: UUID) -> RoomTemplate | None:
        template = self._rooms.get(room_id)
        if template is not None:
            self._rooms.move_to_end(room_id)
        return template

    def put(self, room_id: UUID, template: RoomTemplate) -> None:
        self._rooms[room_id] = template
        self._rooms.move_to_end(room_id)
        while len(self._rooms) > self._capacity:
            self._rooms.popitem(last=False)


TEMPLATES = RoomSeatTemplates()


def render_snapshot(state: Mapping[str, Any], template: RoomTemplate, now: datetime) -> SeatSnapshot:
    """The snapshot of one showing from its state row (``_SNAPSHOT_STATE``) and its room's template."""
    blocked = set(state["blocked"] or ())
    changed: dict[int, SeatStatus] = {template.index[seat_id]: SeatStatus.BLOCKED for seat_id in blocked}
    for seat_id, status, expires in zip(
        state["seat_ids"] or (), state["statuses"] or (), state["expires"] or (), strict=True
    ):
        is_active = seat_id not in blocked
        changed[template.index[seat_id]] = seat_status(
            is_active=is_active, claim_status=status, claim_expires_at=expires, now=now
        )
    pieces = list(template.available)
    available = len(pieces)
    for position, status in changed.items():
        if status is not SeatStatus.AVAILABLE:
            pieces[position] = template.starts[position] + _STATUS_ENDS[status]
            available -= 1
    return SeatSnapshot(state["id"], state["seat_version"], available, b"[" + b",".join(pieces) + b"]")


async def seat_snapshots(
    driver: asyncpg.Connection,
    showing_ids: Iterable[UUID],
    now: datetime,
    templates: RoomSeatTemplates = TEMPLATES,
) -> dict[UUID, SeatSnapshot]:
    """The snapshots of the showings that exist among ``showing_ids``: one statement, and one more for rooms whose
    template is not kept yet."""
    states = await driver.fetch(_SNAPSHOT_STATE, list(showing_ids))
    known = {state["room_id"]: templates.get(state["room_id"]) for state in states}
    missing = [room_id for room_id, template in known.items() if template is None]
    if missing:
        for room in await driver.fetch(_ROOM_SEATS, missing):
            known[room["room_id"]] = room_template(room["ids"], room["labels"])
        for room_id in missing:
            templates.put(room_id, known[room_id] or EMPTY_TEMPLATE)  # a room without seats: the empty template
    return {state["id"]: render_snapshot(state, known[state["room_id"]] or EMPTY_TEMPLATE, now) for state in states}
