"""The person's access report as a PDF, in Azerbaijani or English, for the person who asked for it.

Kept out of GraphQL: the console's page calls `render` with the report the API returned (a client of the
same schema) and the person's name as the requester sees it (a pseudonym, for a protected person seen
by an agency that is not entitled to their identity). The PDF shows what the report shows and nothing
else: days, agencies (or the neutral label of a withheld one), purposes, kinds and counts, and in the
footer the agency that produced it, never the officer.

Fonts: fpdf2's built-in fonts are Latin-1 and have no ə, so the text is set in Source Sans Pro (SIL OFL),
shipped inside the `font-source-sans-pro` package from PyPI, never a system font path, so a fresh
machine renders the same file. It covers every Azerbaijani letter (ə ğ ı ş ç ö ü, and capitals).

Labels: a small dict per language here, for now. The console's gettext catalogues (sxvis/web/console/
translations) are being built in parallel; once they land, these labels can move into them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sxvis import clock
from sxvis.audit.reports import ConsultationKind, ReportEntry

Language = Literal["az", "en"]

LABELS: Mapping[Language, Mapping[str, str]] = {
    "az": {
        "title": "Şəxsi məlumatlarınıza müraciətlər haqqında hesabat",
        "person": "Şəxs",
        "window": "Dövr",
        "intro": "Bu dövrdə qeydinizə edilmiş bütün müraciətlər (axtarışlar daxil): tarix, qurum, "
        "istifadə məqsədi və növ üzrə. Əməkdaşların adları göstərilmir.",
        "day": "Tarix",
        "agency": "Qurum",
        "purpose": "Məqsəd",
        "kind": "Növ",
        "count": "Say",
        "total": "Cəmi müraciət",
        "none": "Bu dövrdə qeydinizə müraciət olmayıb.",
        "generated": "Hazırlanıb",
        "by": "Hazırlayan qurum",
        "page": "Səhifə",
        "baku": "Bakı vaxtı",
        "READ": "Baxış",
        "SEARCH": "Axtarış",
        "CHANGE": "Dəyişiklik",
        "AUDIT": "Audit",
        "SERVICE_DELIVERY": "Sosial xidmət göstərilməsi",
        "CASE_MANAGEMENT": "İşin idarə edilməsi",
        "ELIGIBILITY_CHECK": "Hüququn yoxlanılması",
        "EMERGENCY": "Təcili vəziyyət",
        "AUDIT_PURPOSE": "Audit",
        "ADMINISTRATION": "İnzibatçılıq",
        "DATA_EXCHANGE": "Məlumat mübadiləsi",
        "UNSTATED": "Göstərilməyib",
    },
    "en": {
        "title": "Report of the consultations of your personal data",
        "person": "Person",
        "window": "Period",
        "intro": "Every consultation of your record in this period (searches included), by day, agency, "
        "purpose of use and kind. Officers' names are not shown.",
        "day": "Day",
        "agency": "Agency",
        "purpose": "Purpose",
        "kind": "Kind",
        "count": "Count",
        "total": "Total consultations",
        "none": "Your record was not consulted in this period.",
        "generated": "Generated",
        "by": "Produced by",
        "page": "Page",
        "baku": "Baku time",
        "READ": "Read",
        "SEARCH": "Search",
        "CHANGE": "Change",
        "AUDIT": "Audit",
        "SERVICE_DELIVERY": "Service delivery",
        "CASE_MANAGEMENT": "Case management",
        "ELIGIBILITY_CHECK": "Eligibility check",
        "EMERGENCY": "Emergency",
        "AUDIT_PURPOSE": "Audit",
        "ADMINISTRATION": "Administration",
        "DATA_EXCHANGE": "Data exchange",
        "UNSTATED": "Not stated",
    },
}

_FONT = "SourceSans"


class Printable(Protocol):
    """What the PDF shows of a report: a `PersonAccessReport`, or `ReportAsShown` (the API's answer)."""

    @property
    def occurred_from(self) -> date: ...
    @property
    def occurred_to(self) -> date: ...
    @property
    def generated_at(self) -> datetime: ...
    @property
    def generated_by_agency_code(self) -> str: ...
    @property
    def entries(self) -> Sequence[ReportEntry]: ...
    @property
    def total_consultations(self) -> int: ...


@dataclass(frozen=True, slots=True)
class ReportAsShown:
    """A report as `personAccessReport` returned it, for a front that is a client of the schema."""

    occurred_from: date
    occurred_to: date
    generated_at: datetime
    generated_by_agency_code: str
    entries: tuple[ReportEntry, ...]

    @property
    def total_consultations(self) -> int:
        return sum(entry.count for entry in self.entries)

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> "ReportAsShown":
        """From the query's JSON (`personAccessReport { from to generatedAt generatedByAgencyCode entries {
        day agencyCode nameAz nameEn purpose kind count } }`)."""
        return cls(
            occurred_from=date.fromisoformat(data["from"]),
            occurred_to=date.fromisoformat(data["to"]),
            generated_at=datetime.fromisoformat(data["generatedAt"]),
            generated_by_agency_code=data["generatedByAgencyCode"],
            entries=tuple(
                ReportEntry(
                    day=date.fromisoformat(item["day"]),
                    agency_code=item["agencyCode"],
                    agency_name_az=item["nameAz"],
                    agency_name_en=item["nameEn"],
                    purpose=item["purpose"],
                    kind=ConsultationKind(item["kind"]),
                    count=int(item["count"]),
                )
                for item in data["entries"]
            ),
        )


def _font_file(name: str) -> Path:
    return Path(str(resources.files("font_source_sans_pro").joinpath("files", name)))


def _day(value: date, language: Language) -> str:
    return value.strftime("%d.%m.%Y") if language == "az" else value.isoformat()


def _moment(value: datetime, language: Language) -> str:
    local = value.astimezone(clock.BAKU)
    shown = local.strftime("%d.%m.%Y %H:%M") if language == "az" else local.strftime("%Y-%m-%d %H:%M")
    return f"{shown} ({LABELS[language]['baku']})"


def _purpose(value: str | None, language: Language) -> str:
    labels = LABELS[language]
    if value is None:
        return labels["UNSTATED"]
    return labels.get("AUDIT_PURPOSE" if value == "AUDIT" else value, value)


class _Document(FPDF):
    def __init__(self, footer_text: str, page_label: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = footer_text
        self._page_label = page_label
        self.add_font(_FONT, "", str(_font_file("SourceSansPro-Regular.ttf")))
        self.add_font(_FONT, "B", str(_font_file("SourceSansPro-Bold.ttf")))
        self.set_auto_page_break(auto=True, margin=20)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(_FONT, size=8)
        self.cell(0, 5, self._footer_text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 5, f"{self._page_label} {self.page_no()}/{{nb}}", align="R")


def render(
    report: Printable,
    *,
    person_name: str,
    language: Language = "az",
    agency_name: str | None = None,
) -> bytes:
    """The report as PDF bytes. `person_name` is the person as the requester sees them (the caller's
    choice: a pseudonym where the identity is not theirs to see); `agency_name`, if given, names the
    producing agency in the footer beside its code.

    CPU-bound and synchronous (about 1.7 s for 500 entries, 13 pages): a web page calls it in a worker
    thread (`starlette.concurrency.run_in_threadpool`), never on the event loop."""
    labels = LABELS[language]
    producer = report.generated_by_agency_code + (f" ({agency_name})" if agency_name else "")
    footer = f"{labels['generated']}: {_moment(report.generated_at, language)} · {labels['by']}: {producer}"
    pdf = _Document(footer, labels["page"])
    pdf.set_title(labels["title"])
    pdf.set_creator("SXVİS")
    pdf.add_page()

    pdf.set_font(_FONT, "B", size=15)
    pdf.multi_cell(0, 8, labels["title"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(_FONT, size=11)
    pdf.multi_cell(0, 6, f"{labels['person']}: {person_name}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    window = f"{_day(report.occurred_from, language)} – {_day(report.occurred_to, language)}"
    pdf.multi_cell(0, 6, f"{labels['window']}: {window}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(_FONT, size=9)
    pdf.multi_cell(0, 5, labels["intro"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)

    if not report.entries:
        pdf.set_font(_FONT, size=11)
        pdf.multi_cell(0, 6, labels["none"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        pdf.set_font(_FONT, size=9)
        headings = (labels["day"], labels["agency"], labels["purpose"], labels["kind"], labels["count"])
        with pdf.table(col_widths=(22, 78, 42, 26, 14), text_align="LEFT") as table:
            heading = table.row()
            for text in headings:
                heading.cell(text)
            for entry in report.entries:
                name = entry.agency_name_az if language == "az" else entry.agency_name_en
                agency = name if entry.agency_code is None else f"{name} ({entry.agency_code})"
                row = table.row()
                row.cell(_day(entry.day, language))
                row.cell(agency)
                row.cell(_purpose(entry.purpose, language))
                row.cell(labels.get(entry.kind.value, entry.kind.value))
                row.cell(str(entry.count))
        pdf.ln(3)
        pdf.set_font(_FONT, "B", size=10)
        total = f"{labels['total']}: {report.total_consultations}"
        pdf.cell(0, 6, total, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    return bytes(pdf.output())
