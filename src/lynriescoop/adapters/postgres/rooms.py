"""Rooms and their seats in PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Row, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lynriescoop.adapters.postgres.errors import translate_integrity_error
from lynriescoop.adapters.postgres.tables import rooms, seats, showings
from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.rooms import RoomRepository, RoomSummary
from lynriescoop.domain.errors import RoomNameTaken
from lynriescoop.domain.rooms import Features, Room, Seat, SeatCategory

_KNOWN = {"uq_rooms_name_lower": RoomNameTaken}


def seat_from_row(row: Row[Any]) -> Seat:
    return Seat(
        id=row.id,
        room_id=row.room_id,
        row=row.row_label,
        number=row.number,
        row_index=row.row_index,
        category=SeatCategory(row.category),
        is_active=row.is_active,
    )


def _features(row: Row[Any]) -> Features:
    return Features(has_3d=row.has_3d, has_imax=row.has_imax, has_dolby=row.has_dolby)


class PostgresRoomRepository(RoomRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, room: Room) -> None:
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    rooms.insert().values(
                        id=room.id,
                        name=room.name,
                        has_3d=room.features.has_3d,
                        has_imax=room.features.has_imax,
                        has_dolby=room.features.has_dolby,
                        created_at=room.created_at,
                        updated_at=room.updated_at,
                    )
                )
                await self._session.execute(
                    seats.insert(),
                    [
                        {
                            "id": s.id,
                            "room_id": room.id,
                            "row_label": s.row,
                            "row_index": s.row_index,
                            "number": s.number,
                            "category": s.category.value,
                            "is_active": s.is_active,
                        }
                        for s in room.seats
                    ],
                )
        except IntegrityError as exc:
            raise translate_integrity_error(exc, _KNOWN) or exc from None

    async def _with_seats(self, row: Row[Any] | None) -> Room | None:
        if row is None:
            return None
        seat_rows = await self._session.execute(
            select(seats).where(seats.c.room_id == row.id).order_by(seats.c.row_index, seats.c.number)
        )
        return Room(
            id=row.id,
            name=row.name,
            features=_features(row),
            created_at=row.created_at,
            updated_at=row.updated_at,
            seats=[seat_from_row(s) for s in seat_rows],
        )

    async def get(self, room_id: UUID) -> Room | None:
        return await self._with_seats((await self._session.execute(select(rooms).where(rooms.c.id == room_id))).first())

    async def get_for_update(self, room_id: UUID) -> Room | None:
        stmt = select(rooms).where(rooms.c.id == room_id).with_for_update()
        return await self._with_seats((await self._session.execute(stmt)).first())

    async def get_by_name(self, name: str) -> Room | None:
        stmt = select(rooms).where(func.lower(rooms.c.name) == name.strip().lower())
        return await self._with_seats((await self._session.execute(stmt)).first())

    async def list(self, limit: int, offset: int) -> Page[RoomSummary]:
        capacity = (
            select(func.count())
            .where(seats.c.room_id == rooms.c.id, seats.c.is_active)
            .correlate(rooms)
            .scalar_subquery()
            .label("capacity")
        )
        total = (await self._session.execute(select(func.count()).select_from(rooms))).scalar_one()
        stmt = (
            select(rooms, capacity)
            .order_by(func.lower(rooms.c.name).collate("C"), rooms.c.id)
            .limit(limit)
            .offset(offset)
        )
        items = [
            RoomSummary(id=r.id, name=r.name, features=_features(r), capacity=r.capacity)
            for r in await self._session.execute(stmt)
        ]
        return Page(items, total, limit, offset)

    async def update(self, room: Room) -> None:
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    rooms.update()
                    .where(rooms.c.id == room.id)
                    .values(
                        name=room.name,
                        has_3d=room.features.has_3d,
                        has_imax=room.features.has_imax,
                        has_dolby=room.features.has_dolby,
                        updated_at=room.updated_at,
                    )
                )
        except IntegrityError as exc:
            raise translate_integrity_error(exc, _KNOWN) or exc from None

    async def update_seat(self, seat: Seat) -> None:
        await self._session.execute(
            seats.update()
            .where(seats.c.id == seat.id, seats.c.room_id == seat.room_id)
            .values(is_active=seat.is_active, category=seat.category.value)
        )

    async def delete(self, room_id: UUID) -> None:
        await self._session.execute(rooms.delete().where(rooms.c.id == room_id))

    async def has_showings(self, room_id: UUID) -> bool:
        stmt = select(exists().where(showings.c.room_id == room_id))
        return bool((await self._session.execute(stmt)).scalar_one())
