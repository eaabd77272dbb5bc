"""The relay's claims read a channel's pending rows in id order from their own partial index.

The claim (``... WHERE status = 'pending' AND channel = $c AND available_at <= $1 ORDER BY id LIMIT $2``) was planned
as a scan of the primary key from the oldest row, past every sent row kept for OUTBOX_RETENTION_DAYS: 3 ms at a few
thousand rows in the benchmark, and growing with the retention. With one partial index per channel it reads its
batch and stops (0.1 ms).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for channel in ("mqtt", "email"):
        op.create_index(
            f"ix_outbox_pending_{channel}_id",
            "outbox",
            ["id"],
            postgresql_where=sa.text(f"status = 'pending' AND channel = '{channel}'"),
        )


def downgrade() -> None:
    for channel in ("mqtt", "email"):
        op.drop_index(f"ix_outbox_pending_{channel}_id", table_name="outbox")
