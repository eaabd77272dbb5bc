"""The schema. Tables are SQLAlchemy Core, mapped to entities by hand in the repositories.

Constraints carry names because repositories translate ``IntegrityError`` on a named constraint into the
domain error it means (see ``errors.py``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

Money = Numeric(10, 2)


def _ts(name: str, *, nullable: bool = False, default_now: bool = False) -> Column[datetime]:
    return Column(
        name,
        DateTime(timezone=True),
        nullable=nullable,
        server_default=func.now() if default_now else None,
    )


users = Table(
    "users",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("email", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("role", Text, nullable=False, server_default="user"),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    Column("avatar", Text),
    _ts("created_at", default_now=True),
    _ts("updated_at", default_now=True),
    CheckConstraint("role IN ('user', 'staff', 'manager')", name="role"),
    CheckConstraint("email = lower(email)", name="email_lower"),
)
Index("uq_users_email_lower", func.lower(users.c.email), unique=True)
Index("ix_users_created_at", users.c.created_at, users.c.id)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("family_id", UUID(as_uuid=True), nullable=False),
    _ts("created_at", default_now=True),
    _ts("expires_at"),
    _ts("rotated_at", nullable=True),
    _ts("revoked_at", nullable=True),
)
Index("ix_refresh_tokens_user_id", refresh_tokens.c.user_id)
Index("ix_refresh_tokens_family_id", refresh_tokens.c.family_id)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False),
    _ts("attempted_at", default_now=True),
)
Index("ix_login_attempts_key_attempted_at", login_attempts.c.key, login_attempts.c.attempted_at)

movies = Table(
    "movies",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tmdb_id", Integer, unique=True),
    Column("title", Text, nullable=False),
    Column("overview", Text),
    Column("poster_path", Text),
    Column("backdrop_path", Text),
    Column("release_date", Date),
    Column("runtime", Integer, nullable=False),
    Column("genres", ARRAY(Text), nullable=False, server_default="{}"),
    Column("vote_average", Numeric(4, 2)),
    Column("vote_count", Integer),
    Column("director", Text),
    Column("cast", ARRAY(Text), nullable=False, server_default="{}"),
    Column("trailer_url", Text),
    Column("status", Text, nullable=False, server_default="active"),
    _ts("created_at", default_now=True),
    _ts("updated_at", default_now=True),
    CheckConstraint("runtime BETWEEN 1 AND 1000", name="runtime"),
)
Index("ix_movies_title_lower", func.lower(movies.c.title))

rooms = Table(
    "rooms",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("has_3d", Boolean, nullable=False, server_default=text("false")),
    Column("has_imax", Boolean, nullable=False, server_default=text("false")),
    Column("has_dolby", Boolean, nullable=False, server_default=text("false")),
    _ts("created_at", default_now=True),
    _ts("updated_at", default_now=True),
)
Index("uq_rooms_name_lower", func.lower(rooms.c.name), unique=True)

seats = Table(
    "seats",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # Seats belong to their room: deleting a room (allowed only without showings) removes its seats.
    Column("room_id", UUID(as_uuid=True), ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
    Column("row_label", Text, nullable=False),
    Column("row_index", SmallInteger, nullable=False),
    Column("number", SmallInteger, nullable=False),
    Column("category", Text, nullable=False, server_default="standard"),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    UniqueConstraint("room_id", "row_label", "number"),
    CheckConstraint("category IN ('standard', 'premium', 'wheelchair', 'companion')", name="category"),
    CheckConstraint("number > 0", name="number_positive"),
)

showings = Table(
    "showings",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # A movie or room with showings cannot be deleted (the use cases answer 409 first; RESTRICT backs them).
    Column("movie_id", UUID(as_uuid=True), ForeignKey("movies.id", ondelete="RESTRICT"), nullable=False),
    Column("room_id", UUID(as_uuid=True), ForeignKey("rooms.id", ondelete="RESTRICT"), nullable=False),
    _ts("start_time"),
    _ts("end_time"),
    Column("price", Money, nullable=False),
    Column("prices", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("is_3d", Boolean, nullable=False, server_default=text("false")),
    Column("is_imax", Boolean, nullable=False, server_default=text("false")),
    Column("is_dolby", Boolean, nullable=False, server_default=text("false")),
    Column("status", Text, nullable=False, server_default="scheduled"),
    Column("seat_version", Integer, nullable=False, server_default=text("0")),
    _ts("cancelled_at", nullable=True),
    _ts("created_at", default_now=True),
    _ts("updated_at", default_now=True),
    CheckConstraint("end_time > start_time", name="ends_after_start"),
    CheckConstraint("price >= 0", name="price_non_negative"),
    CheckConstraint("status IN ('scheduled', 'cancelled', 'completed')", name="status"),
)
Index("ix_showings_room_id_start_time", showings.c.room_id, showings.c.start_time)
Index("ix_showings_start_time", showings.c.start_time)
Index("ix_showings_movie_id", showings.c.movie_id)

bookings = Table(
    "bookings",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("booking_number", Text, nullable=False, unique=True),
    # Bookings are business records: users and showings that have them are never hard-deleted.
    Column("user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
    Column("showing_id", UUID(as_uuid=True), ForeignKey("showings.id", ondelete="RESTRICT"), nullable=False),
    Column("status", Text, nullable=False),
    Column("total_price", Money, nullable=False),
    Column("currency", Text, nullable=False),
    _ts("expires_at", nullable=True),
    _ts("confirmed_at", nullable=True),
    _ts("cancelled_at", nullable=True),
    Column("cancelled_by", Text),
    _ts("created_at", default_now=True),
    _ts("updated_at", default_now=True),
    CheckConstraint("status IN ('pending', 'confirmed', 'cancelled', 'expired', 'completed')", name="status"),
    CheckConstraint("status <> 'pending' OR expires_at IS NOT NULL", name="pending_has_expiry"),
    CheckConstraint("total_price >= 0", name="total_non_negative"),
)
Index("ix_bookings_user_id_created_at", bookings.c.user_id, bookings.c.created_at)
Index("ix_bookings_showing_id_status", bookings.c.showing_id, bookings.c.status)
Index(
    "ix_bookings_pending_expires_at",
    bookings.c.expires_at,
    postgresql_where=bookings.c.status == "pending",
)

seat_reservations = Table(
    "seat_reservations",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("booking_id", UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
    Column("showing_id", UUID(as_uuid=True), ForeignKey("showings.id", ondelete="RESTRICT"), nullable=False),
    Column("seat_id", UUID(as_uuid=True), ForeignKey("seats.id", ondelete="RESTRICT"), nullable=False),
    Column("label", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("price", Money, nullable=False),
    Column("is_live", Boolean, nullable=False, server_default=text("true")),
    CheckConstraint("price >= 0", name="price_non_negative"),
)
# The referee: at most one live claim (held or booked) per seat of a showing.
Index(
    "uq_seat_reservations_live_seat",
    seat_reservations.c.showing_id,
    seat_reservations.c.seat_id,
    unique=True,
    postgresql_where=seat_reservations.c.is_live,
)
Index("ix_seat_reservations_booking_id", seat_reservations.c.booking_id)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("key", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("response_status", SmallInteger),  # unread, written for the previous release (postgres/bookings.py)
    Column("response_body", JSONB),
    _ts("created_at", default_now=True),
    PrimaryKeyConstraint("user_id", "key"),
)
Index("ix_idempotency_keys_created_at", idempotency_keys.c.created_at)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("channel", Text, nullable=False),
    Column("kind", Text, nullable=False, server_default=""),
    Column("destination", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("retain", Boolean, nullable=False, server_default=text("false")),
    Column("showing_id", UUID(as_uuid=True)),
    Column("version", Integer),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    _ts("available_at", default_now=True),
    _ts("created_at", default_now=True),
    _ts("sent_at", nullable=True),
    CheckConstraint("channel IN ('mqtt', 'email')", name="channel"),
    CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
)
Index(
    "ix_outbox_pending_available_at",
    outbox.c.available_at,
    outbox.c.id,
    postgresql_where=outbox.c.status == "pending",
)
# The relay's claims (adapters/postgres/delivery.py): a channel's pending rows in id order, whatever the sent rows
# before them (kept OUTBOX_RETENTION_DAYS), so a claim reads its batch and stops.
for _channel in ("mqtt", "email"):
    Index(
        f"ix_outbox_pending_{_channel}_id",
        outbox.c.id,
        postgresql_where=text(f"status = 'pending' AND channel = '{_channel}'"),
    )
Index("ix_outbox_status_created_at", outbox.c.status, outbox.c.created_at)
Index("ix_outbox_showing_id_version", outbox.c.showing_id, outbox.c.version)

tickets = Table(
    "tickets",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # Tickets are records of a booking, which is never deleted.
    Column("booking_id", UUID(as_uuid=True), ForeignKey("bookings.id", ondelete="RESTRICT"), nullable=False),
    Column("showing_id", UUID(as_uuid=True), ForeignKey("showings.id", ondelete="RESTRICT"), nullable=False),
    Column("seat_id", UUID(as_uuid=True), ForeignKey("seats.id", ondelete="RESTRICT"), nullable=False),
    Column("seat_label", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("key_id", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="valid"),
    _ts("issued_at"),
    _ts("checked_in_at", nullable=True),
    _ts("revoked_at", nullable=True),
    UniqueConstraint("booking_id", "seat_id"),
    CheckConstraint("status IN ('valid', 'checked_in', 'revoked')", name="status"),
    CheckConstraint("status <> 'checked_in' OR checked_in_at IS NOT NULL", name="checked_in_has_time"),
    CheckConstraint("char_length(code) <= 200", name="code_length"),
)
Index("ix_tickets_showing_id_status", tickets.c.showing_id, tickets.c.status)
