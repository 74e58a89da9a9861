"""The co-chairs' reconciliation forms: a decision on a pair, undoing one."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import AnyOf, DataRequired, Length


class DecisionForm(FlaskForm):
    receipt_id = IntegerField(validators=[DataRequired()])
    disbursement_id = IntegerField(validators=[DataRequired()])
    decision = StringField(validators=[AnyOf(["confirm", "reject"])])
    note = StringField("Note", validators=[Length(max=500)])
    quarter = HiddenField()


class UndoForm(FlaskForm):
    quarter = HiddenField()
