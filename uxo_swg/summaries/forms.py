"""Forms of the summaries pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..domain.periods import PeriodError, parse_half, parse_period, parse_quarter
from ..domain.reference import PILLARS

PILLAR_CHOICES = [SelectChoice(p.code, p.name_en) for p in PILLARS]


class ScopeForm(FlaskForm):
    kind = SelectField("Summary", choices=[SelectChoice("twg", "Quarterly TWG summary (one pillar)"),
                                                SelectChoice("swg", "Biannual SWG summary"),
                                                SelectChoice("year", "Annual SWG summary (calendar year)")])
    pillar = SelectField("Pillar (TWG)", choices=PILLAR_CHOICES)
    period = StringField("Quarter, half-year or year", validators=[DataRequired(), Length(max=7)],
                         description="2025-Q3 for a TWG summary, 2025-H1 for an SWG summary, 2025 for an annual one")
    submit = SubmitField("Open")

    def validate_period(self, field: StringField) -> None:
        text = (field.data or "").strip().upper()
        read = {"twg": parse_quarter, "year": lambda t: parse_period(t, "Y")}.get(self.kind.data, parse_half)
        try:
            read(text)
        except PeriodError as error:
            raise ValidationError(str(error)) from error


class CommentForm(FlaskForm):
    body = TextAreaField("Comment", validators=[DataRequired(message="write your comment first"), Length(max=4000)])
    submit = SubmitField("Add comment")


class NarrativeForm(FlaskForm):
    narrative = TextAreaField("Narrative", validators=[Optional(), Length(max=20000)])
    decisions = TextAreaField("Decisions", validators=[Optional(), Length(max=20000)])
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    submit = SubmitField("Save narrative")


class FollowForm(FlaskForm):
    pillars = SelectMultipleField("Pillars I follow", choices=PILLAR_CHOICES, option_widget=CheckboxInput(),
                                  widget=ListWidget(prefix_label=False))
    submit = SubmitField("Save")
