"""Forms of the IATI pages: the upload and the export's year."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SubmitField
from wtforms.validators import NumberRange, Optional


class UploadForm(FlaskForm):
    file = FileField("IATI activities file (XML, version 2.01 to 2.03)", validators=[FileRequired()])
    submit = SubmitField("Read the file")


class ExportForm(FlaskForm):
    class Meta:
        csrf = False  # a download (GET), changes nothing

    year = IntegerField("Year (empty: everything)", validators=[Optional(), NumberRange(min=2000, max=2100)])
    submit = SubmitField("Download IATI XML")
