from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField


class UploadForm(FlaskForm):
    file = FileField("Return workbook (.xlsx)", validators=[FileRequired("choose the return file to upload")])
    submit = SubmitField("Upload and check")


class ConfirmForm(FlaskForm):
    token = HiddenField()
    submit = SubmitField("Store this return")
