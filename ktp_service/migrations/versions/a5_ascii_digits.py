"""residents' NIK, RT, RW and region codes are written with the ASCII digits 0-9 only: the database refuses
anything else (a NIK with a full-width or Arabic-Indic digit was a second resident for the same NIK)

PostgreSQL: CHECK constraints. SQLite cannot add a CHECK constraint to a table in place, and rebuilding
``resident`` would need foreign keys switched off, which cannot be done inside the migration's transaction;
there the same rules are BEFORE INSERT and BEFORE UPDATE triggers that abort with the constraint's name.

Rows already stored against these rules (possible only through the bug this fixes) are left as they are and
named in the migration's log: PostgreSQL adds the constraints NOT VALID then, which checks every new or
changed row but not the old ones, and ``ALTER TABLE resident VALIDATE CONSTRAINT ...`` finishes the job once
they are corrected."""

import logging

from alembic import op

revision, down_revision = "a5_ascii_digits", "a7_accounts_sessions"
branch_labels = depends_on = None

log = logging.getLogger("alembic.runtime.migration")

D2, D3, D4 = "[0-9]" * 2, "[0-9]" * 3, "[0-9]" * 4
# name -> (PostgreSQL regular expression, SQLite GLOB pattern); both match the whole value, ASCII digits only
# (a GLOB range compares code points, so [0-9] is exactly 0x30-0x39).
RULES = {
    "nik": (r"^[0-9]{16}$", "[0-9]" * 16),
    "rt": (r"^[0-9]{3}$", D3),
    "rw": (r"^[0-9]{3}$", D3),
    "kode_kecamatan": (r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$", f"{D2}.{D2}.{D2}"),
    "kode_desa": (r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$", f"{D2}.{D2}.{D2}.{D4}"),
}


def constraint(column: str) -> str:
    return f"ck_resident_{column}_ascii_digits"


def upgrade() -> None:
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    for column, (regex, glob) in RULES.items():
        bad_rows = f"NOT ({column} ~ '{regex}')" if postgres else f"{column} NOT GLOB '{glob}'"
        stored = conn.exec_driver_sql(f"SELECT count(*) FROM resident WHERE {bad_rows}").scalar()
        if stored:
            log.warning(
                "%s resident row(s) have a %s that is not ASCII digits in its format; they are kept, new and "
                "changed rows are checked (constraint %s)",
                stored,
                column,
                constraint(column),
            )
        if postgres:
            not_valid = " NOT VALID" if stored else ""
            op.execute(
                f"ALTER TABLE resident ADD CONSTRAINT {constraint(column)} CHECK ({column} ~ '{regex}'){not_valid}"
            )
        else:
            refuse = f"SELECT RAISE(ABORT, 'CHECK constraint failed: {constraint(column)}')"
            op.execute(
                f"CREATE TRIGGER {constraint(column)}_insert BEFORE INSERT ON resident "
                f"WHEN NEW.{column} NOT GLOB '{glob}' BEGIN {refuse}; END"
            )
            op.execute(
                f"CREATE TRIGGER {constraint(column)}_update BEFORE UPDATE OF {column} ON resident "
                f"WHEN NEW.{column} NOT GLOB '{glob}' BEGIN {refuse}; END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for column in RULES:
        if postgres:
            op.execute(f"ALTER TABLE resident DROP CONSTRAINT IF EXISTS {constraint(column)}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {constraint(column)}_insert")
            op.execute(f"DROP TRIGGER IF EXISTS {constraint(column)}_update")
