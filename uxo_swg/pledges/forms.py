"""Forms of the workspace: amounts checked for their currency, dates, ISO 4217 codes and refs."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..domain.money import MoneyError, parse_amount, round_for_currency
from ..domain.reference import REF_PATTERN, REF_RULE
from ..i18n import Form as AppForm
from ..i18n import TranslatedMeta, currency_name, lazy_label, message_text
from ..models import AMENDMENT_CHANGES
from ..rates import iso_currencies

COMMON_CURRENCIES = ["USD", "EUR", "JPY", "GBP", "AUD", "NZD", "KRW", "CAD", "NOK", "CHF", "SEK", "DKK", "THB", "LAK"]
#: ISO 4217 codes that are no money a donor pays in: precious metals, bond-market and accounting units,
#: the SDR, fund codes (next-day dollar, indexed units) and the codes for testing and for no currency.
NOT_MONEY = frozenset(
    "XAU XAG XPD XPT XBA XBB XBC XBD XDR XSU XUA XAD XTS XXX USN BOV CHE CHW CLF COU MXV UYI UYW".split()
)


def currency_choices() -> list[tuple[str, str]]:
    """Return the currencies money is paid in, the working group's usual ones first: (code, "code · name").

    The names are the request's language's (CLDR, through Babel), pycountry's English where CLDR has none.
    """
    import pycountry

    names = {c.alpha_3: c.name for c in pycountry.currencies}
    rest = sorted(iso_currencies() - set(COMMON_CURRENCIES) - NOT_MONEY)
    shown = {c: currency_name(c, names.get(c, "")) for c in COMMON_CURRENCIES + rest}
    return [(c, f"{c} · {shown[c]}" if shown[c] else c) for c in COMMON_CURRENCIES + rest]


def plain_amount(amount: Decimal, currency: str) -> str:
    """Return the amount as a form shows it: no separators, the currency's decimals (1000000.00)."""
    return str(round_for_currency(amount, currency))


def valid_ref(_form: object, field: StringField) -> None:
    if field.data and not REF_PATTERN.match(field.data):
        raise ValidationError(REF_RULE)


_LAO_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")  # 1.234.567,50: how Lao pages show amounts
_DECIMAL_COMMA = re.compile(r"\d+,\d+")


def typed_amount(text: str, currency: str) -> Decimal:
    """Return the amount typed in a form; on Lao pages also as Lao writes it (1.000 is a thousand there).

    Lao pages show amounts as CLDR writes them in Lao (dots between thousands, a decimal comma),
    so that is how people type them back; English pages keep 1,234.50. A plain 1234.50 reads
    the same in both.
    """
    if str(get_locale()) == "lo":
        if _LAO_GROUPED.fullmatch(text):
            text = text.replace(".", "").replace(",", ".")
        elif _DECIMAL_COMMA.fullmatch(text):
            text = text.replace(",", ".")
    return parse_amount(text, currency)


def amount_in(currency_field: str, required: bool = True):
    """Return a validator: the field is a positive amount with no more decimals than the currency has."""

    def check(form: Form, field: StringField) -> None:
        text = (field.data or "").strip()
        if not text:
            if required:
                raise ValidationError(_l("enter the amount"))
            return
        currency = getattr(form, currency_field, None)
        code = (currency.data if currency is not None else None) or "USD"
        try:
            amount = typed_amount(text, code)
        except MoneyError as error:
            raise ValidationError(message_text(error)) from None
        if amount <= 0:
            raise ValidationError(_l("the amount must be positive; cancel a record instead of entering a negative amount"))
        field.amount = amount

    return check


class _Versioned(AppForm):
    version = HiddenField()

    def version_number(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class LineForm(Form):
    """One yearly line of a pledge: year, pillar, amount (in the pledge's currency)."""

    Meta = TranslatedMeta

    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=1990, max=2100, message=_l("a year between 1990 and 2100"))])
    pillar = SelectField(_l("Pillar"), validators=[Optional()])
    amount = StringField(_l("Amount"), validators=[Optional(), Length(max=30)])

    def is_blank(self) -> bool:
        return not self.year.data and not (self.amount.data or "").strip()


class _WithLines(_Versioned):
    """A record with yearly lines of year, pillar and amount in its currency: a pledge or an agreement."""

    lines = FieldList(FormField(LineForm), min_entries=6)

    def validate_lines(self, field: FieldList) -> None:
        filled = 0
        for entry in field.entries:
            line = entry.form
            if line.is_blank():
                continue
            filled += 1
            if not line.year.data:
                line.year.errors.append(_l("enter the year"))
            if not line.pillar.data:
                line.pillar.errors.append(_l("choose the pillar"))
            try:
                amount_in("currency")(self, line.amount)
            except ValidationError as error:
                line.amount.errors.append(str(error))
        if not filled:
            raise ValidationError(_l("enter at least one line: a year, a pillar and an amount"))
        if any(entry.form.year.errors or entry.form.pillar.errors or entry.form.amount.errors for entry in field.entries):
            raise ValidationError(_l("correct the lines marked below"))

    def line_values(self) -> list[tuple[int, str, Decimal]]:
        return [(e.form.year.data, e.form.pillar.data, e.form.amount.amount) for e in self.lines.entries if not e.form.is_blank()]

    def fill_lines(self, lines: list, currency: str) -> None:
        """Show stored lines in the form, with two blank lines after them."""
        while len(self.lines.entries) < len(lines) + 2:
            self.lines.append_entry()
        for entry, line in zip(self.lines.entries, lines):
            entry.form.year.data, entry.form.pillar.data = line.year, line.pillar_code
            entry.form.amount.data = plain_amount(line.amount, currency)


class PledgeForm(_WithLines):
    ref = StringField(_l("Pledge ref"), validators=[DataRequired(), Length(max=60), valid_ref])
    donor_id = SelectField(_l("Donor"), coerce=int, validators=[DataRequired(message=_l("choose the donor"))])
    recipient_id = SelectField(_l("Recipient (if the donor named one)"), coerce=int, default=0)
    announced_on = DateField(_l("Announced on"), validators=[InputRequired(message=_l("enter a date such as 2025-03-31"))])
    announced_at = StringField(_l("Announced at"), validators=[Length(max=200)],
                               description=_l("SWG meeting, bilateral letter, exchange of notes ..."))
    currency = SelectField(_l("Currency (the donor's)"), validators=[DataRequired()])
    ccm_specific = BooleanField(_l("Specific to the Convention on Cluster Munitions"))
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Save pledge"))


SUPPORT_CHOICES = [SelectChoice("cash", _l("cash")), SelectChoice("in-kind", _l("in kind (equipment, staff, services)"))]


class CommitmentForm(_WithLines):
    FUNDS_PAY = True  # a pooled fund signs agreements with the operators it allocates to
    ref = StringField(_l("Agreement ref"), validators=[DataRequired(), Length(max=60), valid_ref])
    pledge_id = SelectField(_l("Pledge (if known)"), coerce=int, default=0)
    donor_id = SelectField(_l("Donor"), coerce=int, validators=[DataRequired(message=_l("choose the donor"))])
    recipient_id = SelectField(_l("Recipient"), coerce=int, validators=[DataRequired(message=_l("choose the recipient"))])
    signed_on = DateField(_l("Signed on"), validators=[InputRequired(message=_l("enter a date such as 2025-03-31"))])
    start_on = DateField(_l("Starts on"), validators=[InputRequired(message=_l("enter a date such as 2025-01-01"))])
    end_on = DateField(_l("Ends on"), validators=[InputRequired(message=_l("enter a date such as 2026-06-30"))])
    currency = SelectField(_l("Currency"), validators=[DataRequired()])
    support = SelectField(_l("Support"), choices=SUPPORT_CHOICES, default="cash")
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Save agreement"))

    def validate_end_on(self, field: DateField) -> None:
        if field.data and self.start_on.data and field.data < self.start_on.data:
            raise ValidationError(_l("the agreement cannot end before it starts"))


class AmendmentForm(AppForm):
    """An increase, decrease or termination of an agreement; the amount is in the agreement's currency."""

    amended_on = DateField(_l("Amended on"), validators=[InputRequired(message=_l("enter a date such as 2025-03-31"))])
    change = SelectField(_l("Change"), choices=[SelectChoice(c, lazy_label(c, "change")) for c in AMENDMENT_CHANGES])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=1990, max=2100, message=_l("a year between 1990 and 2100"))],
                        description=_l("the year the change is for; empty: the year of the date"))
    pillar = SelectField(_l("Pillar"), default="", description=_l("needed when the agreement has several pillars"))
    amount = StringField(_l("Amount"), validators=[Length(max=30)], description=_l("for an increase or a decrease"))
    new_end = DateField(_l("New end"), validators=[Optional()], description=_l("a termination ends on its date unless you give one"))
    notes = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("say why the agreement changed")), Length(max=2000)])
    submit = SubmitField(_l("Record the amendment"))

    def amount_value(self, currency: str) -> Decimal | None:
        """Return the amount typed, checked for the currency (None when empty); errors go on the field."""
        text = (self.amount.data or "").strip()
        if not text:
            return None
        try:
            return typed_amount(text, currency)
        except MoneyError as error:
            self.amount.errors = [*self.amount.errors, message_text(error)]
            return None


class DisbursementForm(_Versioned):
    FUNDS_PAY = True  # a pooled fund pays its allocations
    commitment_id = SelectField(_l("Agreement (if known)"), coerce=int, default=0)
    pledge_id = SelectField(_l("Pledge (if known)"), coerce=int, default=0)
    donor_id = SelectField(_l("Donor"), coerce=int, validators=[DataRequired(message=_l("choose the donor"))])
    recipient_id = SelectField(_l("Recipient"), coerce=int, validators=[DataRequired(message=_l("choose the recipient"))])
    via_id = SelectField(_l("Via (channel, if any)"), coerce=int, default=0)
    paid_on = DateField(_l("Paid on"), validators=[InputRequired(message=_l("enter a date such as 2025-03-31"))])
    pillar_code = SelectField(_l("Pillar"), validators=[DataRequired()])
    province_code = SelectField(_l("Province"), default="")
    currency = SelectField(_l("Currency"), validators=[DataRequired()])
    amount = StringField(_l("Amount"), validators=[amount_in("currency")])
    support = SelectField(_l("Support"), choices=SUPPORT_CHOICES, default="cash")
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Save disbursement"))

    def validate_paid_on(self, field: DateField) -> None:
        if field.data and field.data > date.today():
            raise ValidationError(_l("a payment cannot be in the future"))


class RequirementForm(_Versioned):
    year = IntegerField(_l("Year"), validators=[InputRequired(message=_l("enter the year")), NumberRange(min=1990, max=2100)])
    pillar_code = SelectField(_l("Pillar"), validators=[DataRequired()])
    currency = SelectField(_l("Currency"), validators=[DataRequired()])
    amount = StringField(_l("Amount"), validators=[amount_in("currency")])
    source = StringField(_l("Source"), validators=[Length(max=300)], description=_l("for example: National UXO work plan 2026"))
    submit = SubmitField(_l("Save requirement"))


class RegisterForm(AppForm):
    file = FileField(_l("Pledge register (.xlsx)"), validators=[FileRequired(message=_l("choose the register workbook"))])
    submit = SubmitField(_l("Check the file"))


class ConfirmForm(AppForm):
    """Confirms an action on a record (cancel) or a previewed import; carries the version or the file's digest."""

    version = HiddenField()
    sha256 = HiddenField()
    submit = SubmitField(_l("Confirm"))


class TargetForm(_Versioned):
    """A target of the work plan (spec section 10): year, pillar, indicator, how much, and where it comes from."""

    year = IntegerField(_l("Year"), validators=[InputRequired(message=_l("enter the year")), NumberRange(min=1990, max=2100)])
    pillar_code = SelectField(_l("Pillar"), validators=[DataRequired()])
    indicator = SelectField(_l("Indicator"), validators=[DataRequired()])
    target = StringField(_l("Target"), validators=[InputRequired(message=_l("enter the target")), Length(max=30)],
                         description=_l("hectares, items, sessions or people, as the indicator counts"))
    source = StringField(_l("Source"), validators=[Length(max=300)], description=_l("for example: National UXO work plan 2026"))
    submit = SubmitField(_l("Save target"))

    def validate_target(self, field: StringField) -> None:
        from .targets import target_value

        try:
            field.value = target_value(field.data or "")
        except ValueError as error:
            raise ValidationError(message_text(error)) from None
