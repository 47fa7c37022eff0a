"""The claims rules read referrals and dispensings from the referral and e-prescription
registers themselves: the claims domain's copies (``referrals``, ``dispensings``) go.

What a copy held is first carried into its register, where the register can hold it:
a referral the demo loader wrote answered before the day its claims copy still counted
it valid (its feedback day moves to that day, so the claims keep reading the same
validity). A copy row no register row can take (a referral number or a dispensed drug
the registers do not know, or a narrower validity) stops the upgrade with the count and
nothing changed: such rows come only from demo databases loaded before the registers
existed, which are seeded again instead.

Stop servers of the earlier release before upgrading: they write into the copies.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The last day a claim may cite a referral: its validity, ended early by the feedback
# (as ``referrals.reading.claims_register`` reads it).
_CLAIMS_VALID_UNTIL = (
    "CASE WHEN o.feedback_on < o.valid_until THEN o.feedback_on ELSE o.valid_until END"
)

# An answered referral whose copy stays valid past the feedback day, within the
# referral's own validity: the feedback day can move to the copy's last day.
_FEEDBACK_MOVES = (
    "o.status = 'answered' AND c.national_id = o.national_id "
    "AND c.issued_on = o.issued_on AND o.feedback_on < c.valid_until "
    "AND c.valid_until <= o.valid_until"
)

_REFERRALS_NOT_PLACED = f"""
SELECT COUNT(*) FROM referrals c LEFT JOIN referral_orders o ON o.ref_number = c.ref_number
WHERE o.id IS NULL OR NOT (
    ({_FEEDBACK_MOVES})
    OR (c.national_id = o.national_id AND c.issued_on = o.issued_on
        AND c.valid_until = {_CLAIMS_VALID_UNTIL})
)
"""

_DRUGS_DISPENSED = """
SELECT p.tracking_code AS prescription_ref, p.national_id, l.code AS drug_code,
       SUM(d.quantity) AS quantity
FROM prescription_dispensings d
JOIN prescription_lines l ON l.id = d.line_id
JOIN prescriptions p ON p.id = d.prescription_id
WHERE l.kind = 'drug'
GROUP BY p.tracking_code, p.national_id, l.code
"""

# R11 weighs a claim's drug against the quantity dispensed in all on its prescription to
# its person; a copy's key with more than the register has would be lost.
_DISPENSINGS_NOT_PLACED = f"""
SELECT COUNT(*) FROM (
    SELECT prescription_ref, national_id, drug_code, SUM(quantity) AS quantity
    FROM dispensings GROUP BY prescription_ref, national_id, drug_code
) c LEFT JOIN ({_DRUGS_DISPENSED}) r
  ON r.prescription_ref = c.prescription_ref AND r.national_id = c.national_id
 AND r.drug_code = c.drug_code
WHERE r.quantity IS NULL OR r.quantity < c.quantity
"""


def upgrade() -> None:
    bind = op.get_bind()
    referrals = bind.execute(sa.text(_REFERRALS_NOT_PLACED)).scalar_one()
    dispensings = bind.execute(sa.text(_DISPENSINGS_NOT_PLACED)).scalar_one()
    if referrals or dispensings:
        raise RuntimeError(
            f"{referrals} rows of the claims copy 'referrals' and {dispensings} drugs of "
            "'dispensings' have no place in the referral and e-prescription registers; "
            "nothing was changed. They come from a demo database loaded before the "
            "registers existed: seed it again (a new database file, then `darman demo`)."
        )
    op.execute(
        "UPDATE referral_orders SET feedback_on = ("
        "SELECT c.valid_until FROM referrals c WHERE c.ref_number = referral_orders.ref_number"
        ") WHERE EXISTS (SELECT 1 FROM referrals c, referral_orders o "
        "WHERE o.id = referral_orders.id AND c.ref_number = o.ref_number "
        f"AND {_FEEDBACK_MOVES})"
    )
    op.drop_index("ix_dispensings_ref", table_name="dispensings")
    op.drop_table("dispensings")
    op.drop_index("ix_referrals_national_id", table_name="referrals")
    op.drop_table("referrals")


def downgrade() -> None:
    # the copies come back filled from the registers, as the earlier release reads them
    op.create_table(
        "dispensings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prescription_ref", sa.String(length=32), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("drug_code", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("dispensed_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispensings")),
    )
    op.create_index(
        "ix_dispensings_ref",
        "dispensings",
        ["prescription_ref", "national_id", "drug_code"],
        unique=False,
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref_number", sa.String(length=32), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("ref_number", name=op.f("uq_referrals_ref_number")),
    )
    op.create_index(op.f("ix_referrals_national_id"), "referrals", ["national_id"], unique=False)
    op.execute(
        "INSERT INTO dispensings (prescription_ref, national_id, drug_code, quantity, "
        "dispensed_on) SELECT p.tracking_code, p.national_id, l.code, d.quantity, "
        "d.dispensed_on FROM prescription_dispensings d "
        "JOIN prescription_lines l ON l.id = d.line_id "
        "JOIN prescriptions p ON p.id = d.prescription_id "
        "WHERE l.kind = 'drug' AND p.tracking_code IS NOT NULL ORDER BY d.id"
    )
    op.execute(
        "INSERT INTO referrals (ref_number, national_id, issued_on, valid_until) "
        f"SELECT o.ref_number, o.national_id, o.issued_on, {_CLAIMS_VALID_UNTIL} "
        "FROM referral_orders o ORDER BY o.id"
    )
