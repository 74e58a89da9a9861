"""Forms of the summaries pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..domain.periods import PeriodError, parse_half, parse_period, parse_quarter
from ..domain.reference import PILLARS
from ..i18n import Form, lazy_pillar_name, message_text

PILLAR_CHOICES = [SelectChoice(p.code, lazy_pillar_name(p.code)) for p in PILLARS]


class ScopeForm(Form):
    kind = SelectField(_l("Summary"), choices=[SelectChoice("twg", _l("Quarterly TWG summary (one pillar)")),
                                                    SelectChoice("swg", _l("Biannual SWG summary")),
                                                    SelectChoice("year", _l("Annual SWG summary (calendar year)"))])
    pillar = SelectField(_l("Pillar (TWG)"), choices=PILLAR_CHOICES)
    period = StringField(_l("Quarter, half-year or year"), validators=[DataRequired(), Length(max=7)],
                         description=_l("2025-Q3 for a TWG summary, 2025-H1 for an SWG summary, 2025 for an annual one"))
    submit = SubmitField(_l("Open"))

    def validate_period(self, field: StringField) -> None:
        text = (field.data or "").strip().upper()
        read = {"twg": parse_quarter, "year": lambda t: parse_period(t, "Y")}.get(self.kind.data, parse_half)
        try:
            read(text)
        except PeriodError as error:
            raise ValidationError(message_text(error)) from error


class CommentForm(Form):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(message=_l("write your comment first")), Length(max=4000)])
    submit = SubmitField(_l("Add comment"))


class NarrativeForm(Form):
    narrative = TextAreaField(_l("Narrative"), validators=[Optional(), Length(max=20000)])
    decisions = TextAreaField(_l("Decisions"), validators=[Optional(), Length(max=20000)])
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    submit = SubmitField(_l("Save narrative"))


class FollowForm(Form):
    pillars = SelectMultipleField(_l("Pillars I follow"), choices=PILLAR_CHOICES, option_widget=CheckboxInput(),
                                  widget=ListWidget(prefix_label=False))
    submit = SubmitField(_l("Save"))
