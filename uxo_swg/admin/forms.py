"""Forms of the admin pages: users, settings, exchange rates and the IATI reporting organisation."""
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Regexp
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ..i18n import Form, lazy_label
from ..models import ROLES


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    roles = MultiCheckboxField(_l("Roles"), choices=[SelectChoice(r, lazy_label(r, "role")) for r in ROLES], validators=[DataRequired(message=_l("choose at least one role"))])
    organisation_id = SelectField(_l("Organisation (operators)"), coerce=int, default=0)
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=12, max=500)])
    submit = SubmitField(_l("Create user"))


class SettingsForm(Form):
    public_summaries = BooleanField(_l("Anyone may read published summaries without logging in"))
    submit = SubmitField(_l("Save settings"))


class RatesForm(Form):
    file = FileField(_l("Rates file (CSV)"), validators=[FileRequired()])
    submit = SubmitField(_l("Load rates"))


# IATI OrganisationType codes a sector working group's secretariat may be.
IATI_ORG_TYPES = [SelectChoice(code, LazyString(lambda code, name: f"{code} {name}", code, name)) for code, name in (
    ("10", _l("Government")), ("15", _l("Other Public Sector")), ("21", _l("International NGO")),
    ("22", _l("National NGO")), ("40", _l("Multilateral")), ("90", _l("Other")))]


class IatiSettingsForm(Form):
    ref = StringField(_l("IATI organisation identifier"), validators=[
        DataRequired(), Length(max=100),
        Regexp(r"^[A-Za-z]{2}-[A-Za-z0-9]+-[A-Za-z0-9._\-]+$",
               message=_l("an IATI organisation identifier is an agency prefix and a number, e.g. XM-DAC-41114 or LA-GOV-1"))])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    type = SelectField(_l("IATI organisation type"), choices=IATI_ORG_TYPES, default="10")
    submit = SubmitField(_l("Save"))
