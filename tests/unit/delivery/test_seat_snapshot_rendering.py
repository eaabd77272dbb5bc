"""``seats/snapshot`` rendered from a room's template and the showing's state (adapters/postgres/seat_snapshots.py):
the pieces, the status rule and the LRU of templates, without a database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from lynriescoop.adapters.postgres.seat_snapshots import (
    EMPTY_TEMPLATE,
    RoomSeatTemplates,
    render_snapshot,
    room_template,
)
from lynriescoop.domain.seat_maps import SeatStatus

NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


def test_each_seat_gets_the_status_of_the_seat_map_rule() -> None:
    ids = [uuid4() for _ in range(6)]
    template = room_template(ids, ["A1", "A2", "A3", "B1", "B2", "B10"])
    showing_id = uuid4()
    state = {
        "id": showing_id,
        "seat_version": 7,
        "blocked": [ids[3], ids[5]],  # B1 blocked without a claim; B10 blocked with a booking (blocked wins)
        "seat_ids": [ids[1], ids[2], ids[4], ids[5]],
        "statuses": ["confirmed", "pending", "pending", "completed"],
        "expires": [None, NOW + timedelta(minutes=1), NOW, None],  # A3 held; B2's hold lapsed at NOW
    }
    snapshot = render_snapshot(state, template, NOW)
    assert (snapshot.showing_id, snapshot.version, snapshot.available_seats) == (showing_id, 7, 2)  # A1, B2
    assert json.loads(snapshot.seats_json) == [
        {"seat_id": str(seat_id), "label": label, "status": status}
        for seat_id, label, status in zip(
            ids,
            ["A1", "A2", "A3", "B1", "B2", "B10"],
            [
                SeatStatus.AVAILABLE,
                SeatStatus.BOOKED,
                SeatStatus.HELD,
                SeatStatus.BLOCKED,
                SeatStatus.AVAILABLE,
                SeatStatus.BLOCKED,
            ],
            strict=True,
        )
    ]


def test_a_showing_without_claims_or_seats() -> None:
    ids = [uuid4(), uuid4()]
    state = {"id": uuid4(), "seat_version": 0, "blocked": [], "seat_ids": None, "statuses": None, "expires": None}
    assert render_snapshot(state, room_template(ids, ["A1", "A2"]), NOW).available_seats == 2
    empty = render_snapshot(state, EMPTY_TEMPLATE, NOW)
    assert (empty.available_seats, json.loads(empty.seats_json)) == (0, [])


def test_templates_keep_the_rooms_used_last() -> None:
    templates = RoomSeatTemplates(capacity=2)
    first, second, third = uuid4(), uuid4(), uuid4()
    templates.put(first, EMPTY_TEMPLATE)
    templates.put(second, EMPTY_TEMPLATE)
    assert templates.get(first) is EMPTY_TEMPLATE  # used: now the most recent
    templates.put(third, EMPTY_TEMPLATE)
    assert len(templates) == 2
    assert (
        templates.get(second) is None
        and templates.get(first) is EMPTY_TEMPLATE
        and templates.get(third) is EMPTY_TEMPLATE
    )
