"""The console's languages: Azerbaijani by default, English by a remembered switch.

Every word a person reads comes from the gettext catalogues in `translations/` (English message ids,
Azerbaijani translations; `docs/console.md` says how to extract and update them with `pybabel`). Only
the `.po` files are kept in the repository: they are compiled in memory when this module is first
used, so an installed or an editable checkout works with no build step, and a stale `.mo` can never
disagree with its `.po`.

The language of a request is held in a context variable, so the Jinja2 `_()` and `gettext` calls, which
are installed once on the environment, translate for whoever the current request is.

Dates and times are shown in Baku's time zone and numbers in the language's own format (Babel's CLDR).
"""

import contextvars
import io
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LANGUAGES: Mapping[str, str] = {"az": "Azərbaycanca", "en": "English"}
"""Each language in its own name, as the switch shows it (never translated)."""
DEFAULT = "az"
COOKIE = "sxvis_lang"
BAKU = ZoneInfo("Asia/Baku")
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("sxvis_console_language", default=DEFAULT)


def chosen(value: str | None) -> str:
    """The language a cookie or a form names, or the default when it names none we have."""
    return value if value is not None and value in LANGUAGES else DEFAULT


@cache
def catalogue(language: str) -> NullTranslations:
    """The language's messages, compiled from its `.po` file in memory (once per process)."""
    po = TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as file:
        messages = read_po(file, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, messages, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def use(language: str) -> contextvars.Token[str]:
    return _current.set(chosen(language))


def reset(token: contextvars.Token[str]) -> None:
    _current.reset(token)


def current() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return catalogue(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(current()).ngettext(singular, plural, n)


def when(value: datetime | str | None) -> str:
    """A moment in Baku time, in the current language's medium format (`4 dek 2026 21:03:38`)."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment, "medium", tzinfo=BAKU, locale=current())


def day(value: date | str | None) -> str:
    """A calendar day in the current language's long format (`4 mart 2026`)."""
    if value is None:
        return ""
    parsed = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(parsed, "long", locale=current())


def number(value: float | int | None) -> str:
    return "" if value is None else format_decimal(value, locale=current())
