"""Reading an agency's list of persons (CSV or JSON Lines) and checking each row as `registerPerson` would.

Rows are streamed, never held whole: `read_rows` yields one `(line, fields)` at a time, and `check_row`
turns it into a `StagedRow` ready for COPY, or a rejected one carrying every reason it fails (not only the
first), each as `field: message`. The value rules are `sxvis.registry.validation`'s, the same functions
`registerPerson` calls, so an imported person obeys what a registered one does.

A row may leave the FIN empty: the registry still requires one, but such a row is worth checking against
the registry, since it is exactly how a person gets registered twice (`sxvis.imports.service` reports it
as a probable duplicate when it matches someone, and as refused otherwise).
"""

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from sxvis.errors import SxvisError, ValidationFailed
from sxvis.registry import validation
from sxvis.registry.enums import ResidenceStatus, Sex

COLUMNS = (
    "fin",
    "last_name",
    "first_name",
    "patronymic",
    "birth_date",
    "sex",
    "residence_status",
    "region_code",
    "district_code",
    "address_line",
    "phone",
    "email",
    "protected",
)
REQUIRED_COLUMNS = frozenset({"fin", "last_name", "first_name", "birth_date", "sex", "residence_status"})
REASON_SEPARATOR = "\n"  # between the reasons of one row, inside the staging table
_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f", ""})


class ImportFileError(SxvisError):
    """The file as a whole cannot be imported (unknown format, missing columns, unreadable)."""


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


class StagedRow(NamedTuple):
    """One line of the file, as COPY sends it to the staging table: checked values, or the reasons."""

    line: int
    fin: str | None
    last_name: str | None
    first_name: str | None
    patronymic: str | None
    birth_date: date | None
    sex: str | None
    residence_status: str | None
    region_code: str | None
    district_code: str | None
    address_line: str | None
    phone: str | None
    email: str | None
    protected: bool | None
    outcome: str | None  # INVALID for a row that failed its checks, None for one to merge
    reason: str | None
    given_fin: str | None  # the FIN as written, for the report


def guess_format(path: Path) -> FileFormat:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return FileFormat.CSV
    if suffix in (".jsonl", ".ndjson"):
        return FileFormat.JSONL
    raise ImportFileError(f"Cannot tell the format of {path.name} from its suffix: give --format csv|jsonl.")


def read_rows(path: Path, file_format: FileFormat) -> Iterator[tuple[int, Mapping[str, Any] | str]]:
    """`(line, fields)` for every record of the file, or `(line, reason)` for one that cannot be read.

    Line numbers are the file's own (a CSV header is line 1), so an agency finds the row in its editor.
    """
    if file_format is FileFormat.CSV:
        yield from _csv_rows(path)
    else:
        yield from _jsonl_rows(path)


def _csv_rows(path: Path) -> Iterator[tuple[int, Mapping[str, Any] | str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        _check_columns(reader.fieldnames or [], path)
        line = reader.line_num + 1
        for record in reader:
            if None in record:
                yield line, "row: more values than the header has columns"
            else:
                yield line, record
            line = reader.line_num + 1


def _jsonl_rows(path: Path) -> Iterator[tuple[int, Mapping[str, Any] | str]]:
    checked = False
    with path.open(encoding="utf-8-sig") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except ValueError:
                yield number, "row: not valid JSON"
                continue
            if not isinstance(record, dict):
                yield number, "row: not a JSON object"
                continue
            if not checked:
                unknown = set(record) - set(COLUMNS)
                if unknown:
                    raise ImportFileError(f"Unknown fields in {path.name}: {', '.join(sorted(unknown))}.")
                checked = True
            yield number, record


def _check_columns(names: Sequence[str], path: Path) -> None:
    given = {name.strip() for name in names}
    missing = REQUIRED_COLUMNS - given
    unknown = given - set(COLUMNS)
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing columns {', '.join(sorted(missing))}")
        if unknown:
            problems.append(f"unknown columns {', '.join(sorted(unknown))}")
        raise ImportFileError(f"{path.name}: {'; '.join(problems)} (expected {', '.join(COLUMNS)}).")


def check_row(line: int, record: Mapping[str, Any] | str, *, today: date) -> StagedRow:
    """The row checked as `registerPerson` checks its input; every failure is kept, not only the first."""
    if isinstance(record, str):
        return _rejected(line, None, [record])
    values = {key.strip(): _text(value) for key, value in record.items() if isinstance(key, str)}
    reasons: list[str] = []

    def attempt(field: str, check: Any) -> Any:
        try:
            return check()
        except ValidationFailed as err:
            reasons.append(f"{err.field or field}: {err.message}")
            return None

    given_fin = values.get("fin")
    fin = None if not given_fin else attempt("fin", lambda: validation.normalise_fin(given_fin))
    last_name = attempt(
        "last_name", lambda: validation.name(values.get("last_name") or "", field="last_name")
    )
    first_name = attempt(
        "first_name", lambda: validation.name(values.get("first_name") or "", field="first_name")
    )
    patronymic = attempt(
        "patronymic", lambda: validation.optional_name(values.get("patronymic"), field="patronymic")
    )
    born = attempt("birth_date", lambda: _birth_date(values.get("birth_date"), today))
    sex = attempt("sex", lambda: _member(Sex, values.get("sex"), "sex"))
    residence = attempt(
        "residence_status",
        lambda: _member(ResidenceStatus, values.get("residence_status"), "residence_status"),
    )
    codes = attempt(
        "region_code",
        lambda: validation.address_codes(values.get("region_code"), values.get("district_code")),
    )
    phone = attempt("phone", lambda: validation.phone(values.get("phone")))
    email = attempt("email", lambda: validation.email(values.get("email")))
    protected = attempt("protected", lambda: _flag(values.get("protected")))
    if reasons:
        return _rejected(line, given_fin, reasons)
    region_code, district_code = codes
    return StagedRow(
        line=line,
        fin=fin,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
        birth_date=born,
        sex=sex,
        residence_status=residence,
        region_code=region_code,
        district_code=district_code,
        address_line=values.get("address_line") or None,
        phone=phone,
        email=email,
        protected=protected,
        outcome=None,
        reason=None,
        given_fin=given_fin,
    )


def _rejected(line: int, given_fin: str | None, reasons: list[str]) -> StagedRow:
    return StagedRow(
        line, None, None, None, None, None, None, None, None, None, None, None, None, None,
        outcome="INVALID", reason=REASON_SEPARATOR.join(reasons), given_fin=given_fin,
    )  # fmt: skip


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = (value if isinstance(value, str) else str(value)).strip()
    return text or None


def _birth_date(value: str | None, today: date) -> date:
    if value is None:
        raise ValidationFailed("The birth date is required.", field="birth_date")
    try:
        if len(value) == 10 and value[4] == "-":
            born = date.fromisoformat(value)
        else:
            born = datetime.strptime(value, "%d.%m.%Y").date()
    except ValueError:
        raise ValidationFailed("A date is written YYYY-MM-DD (or DD.MM.YYYY).", field="birth_date") from None
    return validation.birth_date(born, today=today)


def _member(enum: type[StrEnum], value: str | None, field: str) -> str:
    if value is None:
        raise ValidationFailed("This field is required.", field=field)
    try:
        return enum(value.upper()).value
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValidationFailed(f"{value!r} is not one of {allowed}.", field=field) from None


def _flag(value: str | None) -> bool:
    text = (value or "").lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationFailed("Write true or false.", field="protected")
