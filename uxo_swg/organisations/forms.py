"""Forms for organisations: kind from the spec's list, country by pycountry, aliases one per line."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from ..i18n import Form, lazy_label, lazy_month_name
from ..models import ORGANISATION_KINDS


def country_code(text: str) -> str | None:
    """Return the ISO 3166 alpha-2 code of a country written as a code or a name, or None."""
    import pycountry

    try:
        return pycountry.countries.lookup(text.strip()).alpha_2
    except LookupError:
        return None


class OrganisationForm(Form):
    version = HiddenField()
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, lazy_label(k, "organisation")) for k in ORGANISATION_KINDS], validators=[DataRequired()])
    country = StringField(_l("Country"), validators=[Length(max=60)], description=_l("ISO 3166 code (JP) or name (Japan); blank if none"))
    contact = StringField(_l("Contact"), validators=[Length(max=300)])
    aliases = TextAreaField(_l("Aliases"), description=_l("other names people write for it, one per line"))
    ccm_state_party = SelectField(_l("CCM State Party"), choices=[SelectChoice("", _l("unknown")), SelectChoice("yes", _l("yes")),
                                                                 SelectChoice("no", _l("no"))], default="",
                                  description=_l("a State Party to the Convention on Cluster Munitions"))
    fiscal_year_start = SelectField(_l("Fiscal year starts"), default="",
                                    choices=[SelectChoice("", _l("January (calendar year)"))] + [
                                        SelectChoice(str(n), lazy_month_name(n)) for n in range(2, 13)],
                                    description=_l("Japan, the United Kingdom, Canada: April; Australia: July; United States: October"))
    submit = SubmitField(_l("Save organisation"))

    def show(self, org: object) -> None:
        """Show an organisation's CCM status and fiscal year in the form's terms."""
        ccm = getattr(org, "ccm_state_party", None)
        self.ccm_state_party.data = "" if ccm is None else ("yes" if ccm else "no")
        month = getattr(org, "fiscal_year_start", None)
        self.fiscal_year_start.data = "" if month in (None, 1) else str(month)

    def ccm_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.ccm_state_party.data or "")

    def fiscal_value(self) -> int | None:
        return int(self.fiscal_year_start.data) if (self.fiscal_year_start.data or "").isdigit() else None

    def validate_country(self, field: StringField) -> None:
        if field.data and field.data.strip() and country_code(field.data) is None:
            raise ValidationError(_("%(text)r is not a country: write its ISO 3166 code (JP) or its name (Japan)",
                                    text=field.data.strip()))

    def validate_aliases(self, field: TextAreaField) -> None:
        if any(len(a.strip()) > 200 for a in (field.data or "").splitlines()):
            raise ValidationError(_l("an alias may have at most 200 characters"))

    def alias_list(self) -> list[str]:
        seen, out = set(), []
        for alias in (self.aliases.data or "").splitlines():
            if alias.strip() and alias.strip().casefold() not in seen:
                seen.add(alias.strip().casefold())
                out.append(alias.strip())
        return out

    def version_number(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class MergeForm(Form):
    version = HiddenField()
    survivor_id = SelectField(_l("Merge into"), coerce=int, validators=[DataRequired(message=_l("choose the record that stays"))])
    submit = SubmitField(_l("Merge"))
