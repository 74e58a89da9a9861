from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, Email, Length
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
