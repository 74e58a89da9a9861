from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Regexp
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import ROLES


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    roles = MultiCheckboxField("Roles", choices=[SelectChoice(r, r) for r in ROLES], validators=[DataRequired(message="choose at least one role")])
    organisation_id = SelectField("Organisation (operators)", coerce=int, default=0)
    password = PasswordField("Initial password", validators=[DataRequired(), Length(min=12, max=500)])
    submit = SubmitField("Create user")


class SettingsForm(FlaskForm):
    public_summaries = BooleanField("Anyone may read published summaries without logging in")
    submit = SubmitField("Save settings")


class RatesForm(FlaskForm):
    file = FileField("Rates file (CSV: date,currency,units_per_usd,source)", validators=[FileRequired()])
    submit = SubmitField("Load rates")


# IATI OrganisationType codes a sector working group's secretariat may be.
IATI_ORG_TYPES = [SelectChoice(code, f"{code} {name}") for code, name in (
    ("10", "Government"), ("15", "Other Public Sector"), ("21", "International NGO"), ("22", "National NGO"),
    ("40", "Multilateral"), ("90", "Other"))]


class IatiSettingsForm(FlaskForm):
    ref = StringField("IATI organisation identifier", validators=[
        DataRequired(), Length(max=100),
        Regexp(r"^[A-Za-z]{2}-[A-Za-z0-9]+-[A-Za-z0-9._\-]+$",
               message="an IATI organisation identifier is an agency prefix and a number, e.g. XM-DAC-41114 or LA-GOV-1")])
    name = StringField("Name", validators=[DataRequired(), Length(max=300)])
    type = SelectField("IATI organisation type", choices=IATI_ORG_TYPES, default="10")
    submit = SubmitField("Save")
