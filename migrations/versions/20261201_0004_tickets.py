"""Tickets and check-in (API.md §11), and the door staff role (§2).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", "role IN ('user', 'staff', 'manager')")
    op.create_table(
        "tickets",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("booking_id", sa.UUID(), nullable=False),
        sa.Column("showing_id", sa.UUID(), nullable=False),
        sa.Column("seat_id", sa.UUID(), nullable=False),
        sa.Column("seat_label", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="valid", nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('valid', 'checked_in', 'revoked')", name=op.f("ck_tickets_status")),
        sa.CheckConstraint(
            "status <> 'checked_in' OR checked_in_at IS NOT NULL", name=op.f("ck_tickets_checked_in_has_time")
        ),
        sa.CheckConstraint("char_length(code) <= 200", name=op.f("ck_tickets_code_length")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_tickets_booking_id_bookings"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["showing_id"], ["showings.id"], name=op.f("fk_tickets_showing_id_showings"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["seat_id"], ["seats.id"], name=op.f("fk_tickets_seat_id_seats"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("booking_id", "seat_id", name=op.f("uq_tickets_booking_id_seat_id")),
    )
    op.create_index("ix_tickets_showing_id_status", "tickets", ["showing_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tickets_showing_id_status", table_name="tickets")
    op.drop_table("tickets")
    op.execute("UPDATE users SET role = 'user' WHERE role = 'staff'")
    op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", "role IN ('user', 'manager')")
