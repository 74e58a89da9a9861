"""The co-chairs' reconciliation forms: a decision on a pair, undoing one."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from ..i18n import Form


class DecisionForm(Form):
    receipt_id = IntegerField(validators=[DataRequired()])
    disbursement_id = IntegerField(validators=[DataRequired()])
    decision = StringField(validators=[AnyOf(["confirm", "reject"])])
    note = StringField(_l("Note"), validators=[Length(max=500)])
    quarter = HiddenField()


class UndoForm(Form):
    quarter = HiddenField()
