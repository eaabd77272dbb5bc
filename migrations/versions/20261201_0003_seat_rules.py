"""Seat rules: the ``companion`` seat category (API.md §4).

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01 15:20:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_seats_category"), "seats", type_="check")
    op.create_check_constraint(
        op.f("ck_seats_category"), "seats", "category IN ('standard', 'premium', 'wheelchair', 'companion')"
    )


def downgrade() -> None:
    # A companion seat becomes a standard seat: the layout stays, only the category a downgrade cannot hold goes.
    op.execute("UPDATE seats SET category = 'standard' WHERE category = 'companion'")
    op.drop_constraint(op.f("ck_seats_category"), "seats", type_="check")
    op.create_check_constraint(op.f("ck_seats_category"), "seats", "category IN ('standard', 'premium', 'wheelchair')")
