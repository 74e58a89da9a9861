"""Lao and English: the chosen language, Vientiane time, and numbers, dates and names shown in it."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from babel.dates import get_month_names
from babel import Locale
from babel.numbers import NumberPattern, format_decimal, get_currency_name, parse_pattern
from flask import Flask, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, LazyString, get_locale, get_translations, gettext, pgettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms.widgets import HiddenInput

from .domain.messages import fill
from .domain.money import minor_units, round_half_up
from .domain.reference import PILLARS, PROVINCE_NATIONAL, PROVINCES

#: The interface's languages, each named in itself (the switch in the header shows these).
LANGUAGES = {"lo": "ລາວ", "en": "English"}
DEFAULT_LANGUAGE = "en"
TIMEZONE = "Asia/Vientiane"  # times are stored in UTC and shown in Lao time
SESSION_KEY = "lang"  # an anonymous visitor's choice

# English keeps the ISO dates the working group's files use; Lao uses its own month names.
_DATE_PATTERNS = {"en": "yyyy-MM-dd", "lo": "d MMM y"}
_DATETIME_PATTERNS = {"en": "yyyy-MM-dd HH:mm", "lo": "d MMM y HH:mm"}

babel = Babel()


def language() -> str:
    """Return the code of the language of this request ("lo" or "en")."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def choose_language() -> str:
    """Return the language for this request: the user's, the visitor's session's, else the browser's."""
    from .security import token_authenticated

    if not has_request_context() or token_authenticated():
        return DEFAULT_LANGUAGE  # the CLI, the scheduler and the JSON API speak English
    stored = getattr(current_user, "language", None) if current_user.is_authenticated else None
    chosen = stored or session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE)


def init_app(app: Flask) -> None:
    """Install Flask-Babel (catalogues in translations/), the template helpers and the filters."""
    from . import ROOT

    babel.init_app(app, locale_selector=choose_language, timezone_selector=lambda: TIMEZONE,
                   default_translation_directories=str(ROOT / "translations"))
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks ignore the template's line breaks
    app.context_processor(lambda: {"current_language": language(), "languages": LANGUAGES,
                                   "pillar_names": PillarNames(), "province_names": ProvinceNames(),
                                   "month_name": month_name, "pillar_label": pillar_name,
                                   "province_label": province_name})
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)


# --- numbers, dates and times ---------------------------------------------------------------

def _locale() -> str:
    return language()


@lru_cache(maxsize=8)
def _babel_locale_of(code: str) -> Locale:
    return Locale.parse(code)


def _babel_locale() -> Locale:
    # Babel parses a locale name and a number pattern on every call: a page of 250 amounts spent 45 ms doing it.
    return _babel_locale_of(language())


@lru_cache(maxsize=64)
def _pattern(text: str) -> NumberPattern:
    return parse_pattern(text)


def money_text(value: Any, currency: str = "USD") -> str:
    """Return an amount rounded to its currency's decimals, grouped for the language ("1,234.50", "1.234,50")."""
    if value is None or value == "":
        return ""
    places = minor_units(currency)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(round_half_up(Decimal(str(value)), places), format=_pattern(pattern), locale=_babel_locale())


def percent_text(share: Any) -> str:
    """Return a share (0.456) as a percentage with one decimal ("45.6%"), or a dash when unknown."""
    if share is None:
        return "–"
    shown = round_half_up(Decimal(str(share)) * 100, 1)
    return format_decimal(shown, format=_pattern("#,##0.0"), locale=_babel_locale()) + "%"


def ratio_text(share: Any) -> str:
    """Return a summary's stored share as a percentage, rounded as published summaries always were."""
    if share is None:
        return "–"
    shown = (Decimal(str(share)) * 100).quantize(Decimal("0.1"))
    return format_decimal(shown, format=_pattern("#,##0.0"), locale=_babel_locale()) + "%"


def quantity_text(value: Any) -> str:
    """Return an output quantity grouped for the language, without trailing zeros (1,234.5)."""
    if value is None:
        return "–"
    number = Decimal(str(value))
    return format_decimal(number, format=_pattern("#,##0.####"), locale=_babel_locale())


def rate_text(rate: Any) -> str:
    """Return an exchange rate with eight significant digits, grouped for the language, never an exponent."""
    if rate is None:
        return ""
    rate = Decimal(str(rate))
    if not rate.is_finite() or rate == 0:
        return str(rate)
    places = max(8 - rate.adjusted() - 1, 0)
    shown = round_half_up(rate, places).normalize()
    decimals = max(-shown.as_tuple().exponent, 0)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(shown, format=_pattern(pattern), locale=_babel_locale())


def date_text(value: date | str | None) -> str:
    """Return a date in the language's way (2025-03-31 in English, 31 ມ.ນ. 2025 in Lao)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value  # not a date: shown as it is
    if isinstance(value, datetime):
        return datetime_text(value)
    return babel_date(value, _DATE_PATTERNS[_locale()], locale=_babel_locale())


def datetime_text(value: datetime | None, seconds: bool = False) -> str:
    """Return a stored UTC time in Vientiane time, in the language's way."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    pattern = _DATETIME_PATTERNS[_locale()] + (":ss" if seconds else "")
    return babel_datetime(value, pattern, tzinfo=TIMEZONE, locale=_babel_locale())


def missing_rate_text(missing: Any) -> str:
    """Return the sentence that names an amount left out for want of an exchange rate, in the language."""
    from .domain.conversion import MAX_RATE_AGE_DAYS

    if isinstance(missing, dict):
        currency, on, message = missing["currency"], missing["date"], missing.get("message", "")
    else:
        currency, on, message = missing.currency, missing.on, str(missing)
    if getattr(missing, "year", None) or "on record in" in message:  # no rate in a whole year (annual averages)
        return gettext("no %(currency)s exchange rate on record in %(year)s: load some with `uxo-swg import-rates`",
                       currency=currency, year=str(on)[:4])
    return gettext("no %(currency)s exchange rate on or in the %(days)s days before %(date)s",
                   currency=currency, days=MAX_RATE_AGE_DAYS, date=date_text(on))


def translated(template: str, params: dict[str, Any] | None = None) -> str:
    """Return a marked template (N_) in the language of the request, its values (and nested sentences) filled in."""
    text = get_translations().ugettext(template) if template else ""
    if not params:
        return text
    values = {name: translated(v["template"], v["params"]) if isinstance(v, dict) else v for name, v in params.items()}
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: the English is still right
        return fill(template, values)


def message_text(said: Any) -> str:
    """Return what an error or a located problem says, in the language of the request.

    Errors from the domain, importers and services carry an English template and its values
    (`domain.messages.Explained`, `importers.problems.Problem`); anything else is shown as it is.
    """
    template = getattr(said, "template", "")
    if not template:
        return str(getattr(said, "message", said))  # a Problem's sentence, or an exception's
    return translated(template, getattr(said, "params", None))


def located_text(problem: Any) -> str:
    """Return a problem with its place in the file (sheet, row, column) in front, in the language of the request."""
    where = [problem.sheet, gettext("row %(number)s", number=problem.row) if problem.row else "",
             gettext("column %(column)s", column=problem.column) if problem.column else ""]
    said = message_text(problem)
    return f"{', '.join(p for p in where if p)}: {said}" if any(where) else said


def _code_labels() -> dict[str, dict[str, str]]:
    """Return the words shown for stored codes, by kind; in English a code is shown as it is stored."""
    return {
        "record": {"pledge": pgettext("record", "pledge"), "commitment": pgettext("record", "commitment"),
                   "commitment_year": pgettext("record", "commitment_year"),
                   "amendment": pgettext("record", "amendment"), "amendment_year": pgettext("record", "amendment_year"),
                   "disbursement": pgettext("record", "disbursement"), "receipt": pgettext("record", "receipt"),
                   "requirement": pgettext("record", "requirement"), "expenditure": pgettext("record", "expenditure")},
        "indicator": {"land_released_ha": pgettext("indicator", "land_released_ha"),
                      "items_destroyed": pgettext("indicator", "items_destroyed"),
                      "re_sessions": pgettext("indicator", "re_sessions"),
                      "re_beneficiaries": pgettext("indicator", "re_beneficiaries"),
                      "va_beneficiaries": pgettext("indicator", "va_beneficiaries")},
        "unit": {"hectare": pgettext("unit", "hectare"), "item": pgettext("unit", "item"),
                 "session": pgettext("unit", "session"), "person": pgettext("unit", "person")},
        "return status": {"on time": pgettext("return status", "on time"), "late": pgettext("return status", "late"),
                          "missing": pgettext("return status", "missing"),
                          "not due yet": pgettext("return status", "not due yet")},
        "pledge status": {"announced": pgettext("pledge status", "announced"),
                          "partly committed": pgettext("pledge status", "partly committed"),
                          "committed": pgettext("pledge status", "committed"),
                          "partly disbursed": pgettext("pledge status", "partly disbursed"),
                          "fully disbursed": pgettext("pledge status", "fully disbursed"),
                          "cancelled": pgettext("pledge status", "cancelled")},
        "support": {"cash": pgettext("support", "cash"), "in-kind": pgettext("support", "in-kind")},
        "change": {"increase": pgettext("change", "increase"), "decrease": pgettext("change", "decrease"),
                   "terminate": pgettext("change", "terminate"), "signed": pgettext("change", "signed"),
                   "added": pgettext("change", "added"), "removed": pgettext("change", "removed")},
        "level": {"error": pgettext("level", "error"), "warning": pgettext("level", "warning")},
        "role": {"admin": pgettext("role", "admin"), "co-chair": pgettext("role", "co-chair"),
                 "operator": pgettext("role", "operator"), "reviewer": pgettext("role", "reviewer")},
        "organisation": {"donor": pgettext("organisation", "donor"), "multilateral": pgettext("organisation", "multilateral"),
                         "pooled-fund": pgettext("organisation", "pooled-fund"), "ngo": pgettext("organisation", "ngo"),
                         "national-operator": pgettext("organisation", "national-operator"),
                         "commercial": pgettext("organisation", "commercial"),
                         "foundation": pgettext("organisation", "foundation"),
                         "government": pgettext("organisation", "government")},
        "decision": {"confirm": pgettext("decision", "confirm"), "reject": pgettext("decision", "reject")},
        "rate source": {"identity": pgettext("rate source", "identity")},
        "header": {"prepared by": pgettext("return header", "prepared by"), "email": pgettext("return header", "email"),
                   "submitted on": pgettext("return header", "submitted on")},
        "table": _table_labels(),
        "audit action": {"insert": pgettext("audit action", "insert"), "update": pgettext("audit action", "update"),
                         "delete": pgettext("audit action", "delete")},
        "via": {"form": pgettext("via", "form"), "import": pgettext("via", "import"), "cli": pgettext("via", "cli"),
                "scheduler": pgettext("via", "scheduler"), "api": pgettext("via", "api"),
                "unknown": pgettext("via", "unknown")},
        "actor": {"scheduler": pgettext("actor", "scheduler"), "system": pgettext("actor", "system"),
                  "cli": pgettext("actor", "cli"), "demo": pgettext("actor", "demo")},
        "job": {"backup": pgettext("job", "backup"), "rate-watch": pgettext("job", "rate-watch"),
                "return-reminders": pgettext("job", "return-reminders"),
                "preview-cleanup": pgettext("job", "preview-cleanup"), "summary-drafts": pgettext("job", "summary-drafts")},
        "job outcome": {"done": pgettext("job outcome", "done"), "failed": pgettext("job outcome", "failed")},
        "proposal": {"agreement": pgettext("proposal", "agreement"), "amendment": pgettext("proposal", "amendment"),
                     "disbursement": pgettext("proposal", "disbursement")},
        "proposal status": {"pending": pgettext("proposal status", "pending"),
                            "accepted": pgettext("proposal status", "accepted"),
                            "rejected": pgettext("proposal status", "rejected")},
        "rates": {"value-date": pgettext("rates", "value-date"), "annual-average": pgettext("rates", "annual-average")},
    }


def _table_labels() -> dict[str, str]:
    """Return the names of the audited record types (the database's tables) in the language."""
    return {
        "pillar": pgettext("table", "pillar"), "province": pgettext("table", "province"),
        "organisation": pgettext("table", "organisation"), "organisation_alias": pgettext("table", "organisation_alias"),
        "import_batch": pgettext("table", "import_batch"), "pledge": pgettext("table", "pledge"),
        "pledge_line": pgettext("table", "pledge_line"), "commitment": pgettext("table", "commitment"),
        "commitment_line": pgettext("table", "commitment_line"), "amendment": pgettext("table", "amendment"),
        "disbursement": pgettext("table", "disbursement"), "requirement": pgettext("table", "requirement"),
        "operator_return": pgettext("table", "operator_return"), "return_lock": pgettext("table", "return_lock"),
        "return_receipt": pgettext("table", "return_receipt"),
        "return_expenditure": pgettext("table", "return_expenditure"),
        "return_output": pgettext("table", "return_output"), "exchange_rate": pgettext("table", "exchange_rate"),
        "user": pgettext("table", "user"), "setting": pgettext("table", "setting"),
        "reconciliation_decision": pgettext("table", "reconciliation_decision"),
        "summary_report": pgettext("table", "summary_report"), "summary_version": pgettext("table", "summary_version"),
        "summary_comment": pgettext("table", "summary_comment"), "reviewer_pillar": pgettext("table", "reviewer_pillar"),
        "target": pgettext("table", "target"), "iati_proposal": pgettext("table", "iati_proposal"),
        "api_token": pgettext("table", "api_token"), "data_version": pgettext("table", "data_version"),
        "summary_cache": pgettext("table", "summary_cache"),
    }


def label_text(code: Any, kind: str) -> str:
    """Return the word for a stored code (a status, an indicator, a kind of support ...) in the language."""
    if code is None or code == "":
        return ""
    return _labels_now().get(kind, {}).get(str(code), str(code))


def _labels_now() -> dict[str, dict[str, str]]:
    # Built once per request and language: a drill-down labels each of its rows (60 look-ups a row cost 0.9 s a page).
    if not has_app_context():
        return _code_labels()
    locale = str(get_locale())
    kept = g.get("_code_labels")
    if kept is None or kept[0] != locale:
        kept = g._code_labels = (locale, _code_labels())
    return kept[1]


def roles_text(roles: str) -> str:
    """Return a user's space-separated roles, each in the language."""
    return " ".join(label_text(role, "role") for role in roles.split())


FILTERS = {
    "usd": lambda value: money_text(value, "USD"),
    "money": money_text,
    "amount": money_text,
    "usdstr": lambda value: money_text(value, "USD"),
    "percent": percent_text,
    "ratio": ratio_text,
    "quantity": quantity_text,
    "day": date_text,
    "localtime": datetime_text,
    "rate": rate_text,
    "missing_rate": missing_rate_text,
    "label": label_text,
    "roles": roles_text,
    "message": message_text,
    "located": located_text,
}


# --- reference names in the language ------------------------------------------------------

_PILLARS = {p.code: p for p in PILLARS}
_PROVINCES = {p.code: p for p in PROVINCES} | {PROVINCE_NATIONAL.code: PROVINCE_NATIONAL}


def pillar_name(code: str | None) -> str:
    """Return the pillar's name in the language of the request (the code itself when unknown)."""
    info = _PILLARS.get(code or "")
    if info is None:
        return code or ""
    return info.name_lo if language() == "lo" else info.name_en


def province_name(code: str | None) -> str:
    """Return the province's name in the language of the request (the code itself when unknown)."""
    info = _PROVINCES.get(code or "")
    if info is None:
        return code or ""
    if info.code == PROVINCE_NATIONAL.code and language() != "lo":
        return "National (no province)"
    return info.name_lo if language() == "lo" else info.name_en


class _Names(dict):
    """A read-only mapping of codes to names in the request's language, as templates use it."""

    lookup = staticmethod(pillar_name)

    def __getitem__(self, code: str) -> str:
        return self.lookup(code)

    def get(self, code: str, default: Any = None) -> Any:  # type: ignore[override]
        name = self.lookup(code)
        return default if name == (code or "") and default is not None else name

    def __contains__(self, code: object) -> bool:
        return self.lookup(code) != code  # type: ignore[arg-type]


class PillarNames(_Names):
    lookup = staticmethod(pillar_name)


class ProvinceNames(_Names):
    lookup = staticmethod(province_name)


def currency_name(code: str, english: str) -> str:
    """Return a currency's name in Lao (CLDR) for a Lao request (empty when CLDR has none), else the English name."""
    if language() != "lo":
        return english
    name = get_currency_name(code, locale="lo")
    return "" if name == code else name


def lazy_label(code: str, kind: str) -> LazyString:
    """Return the word for a stored code, chosen when shown (for form choices built at import)."""
    return LazyString(label_text, code, kind)


def month_name(month: int) -> str:
    """Return the month's name in the language of the request."""
    return get_month_names("wide", locale=_locale())[month]


def lazy_month_name(month: int) -> LazyString:
    """Return the month's name, chosen when shown."""
    return LazyString(month_name, month)


def lazy_pillar_name(code: str) -> LazyString:
    """Return the pillar's name, chosen when shown (for form choices built at import)."""
    return LazyString(pillar_name, code)


def lazy_province_name(code: str) -> LazyString:
    """Return the province's name, chosen when shown (for form choices built at import)."""
    return LazyString(province_name, code)


# --- forms ----------------------------------------------------------------------------------

# WTForms' own messages that this application's forms can show, for the catalogue (TranslatedMeta reads them there).
WTFORMS_MESSAGES = (
    _l("This field is required."), _l("Not a valid choice."), _l("Not a valid date value."),
    _l("Not a valid integer value."), _l("Not a valid decimal value."), _l("Invalid email address."),
    _l("Number must be between %(min)s and %(max)s."), _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."), _l("Field must be between %(min)d and %(max)d characters long."),
    lazy_ngettext("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1),
    lazy_ngettext("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1),
    _l("Invalid value, must be one of: %(values)s."),
)


class _FormTranslations:
    """WTForms' own messages ("This field is required.") looked up in this application's catalogue."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


class TranslatedMeta:
    """WTForms meta options: the built-in messages come from this application's catalogue."""

    def get_translations(self, form: Any) -> _FormTranslations:
        return _FormTranslations()


class Form(FlaskForm):
    """A Flask-WTF form whose built-in messages are translated by the catalogue."""

    Meta = TranslatedMeta

    def hidden_tag(self, *fields: Any) -> Markup:
        """Render the form's hidden fields without ids.

        Nothing refers to a hidden field by id, and a page with several forms (a list's
        cancel buttons) would otherwise repeat `id="csrf_token"`, which is invalid HTML.
        """
        wanted = [getattr(self, f, None) if isinstance(f, str) else f for f in fields] or list(self)
        hidden = [f for f in wanted if f is not None and isinstance(f.widget, HiddenInput)]
        return Markup("\n".join(str(f(id=False)) for f in hidden))
