"""a search's father's-name tier read as one index range: the father's name with a surname or first name

Tier 3 of the name search (migration 0016) matches two words as a surname or first name and a father's
name ("Mirzəyev Novruz": Novruz may be the father). With no index on both parts, PostgreSQL read every
bearer of the one part and tested the other on each row: for a rare name on a million persons, 1,240
Mirzəyevs for one Mirzəyev whose father is Novruz, and 748 Novruzes for none, when the earlier tiers had
not filled the page; the search's slowest class under load (docs/performance.md, "The same code on
another host"). An index on each pair, ending in the listing order as 0016's do, makes each probe one
ordered range of its own rows.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_persons_last_patronymic_key", "persons", ["last_key", "patronymic_key", "sort_key", "id"]
    )
    op.create_index(
        "ix_persons_first_patronymic_key", "persons", ["first_key", "patronymic_key", "sort_key", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_persons_first_patronymic_key", table_name="persons")
    op.drop_index("ix_persons_last_patronymic_key", table_name="persons")
