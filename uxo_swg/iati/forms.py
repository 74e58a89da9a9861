"""Forms of the IATI pages: the upload and the export's year."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SubmitField
from wtforms.validators import NumberRange, Optional

from ..i18n import Form


class UploadForm(Form):
    file = FileField(_l("IATI activities file (XML, version 2.01 to 2.03)"), validators=[FileRequired()])
    submit = SubmitField(_l("Read the file"))


class ExportForm(Form):
    class Meta:
        csrf = False  # a download (GET), changes nothing

    year = IntegerField(_l("Year (empty: everything)"), validators=[Optional(), NumberRange(min=2000, max=2100)])
    submit = SubmitField(_l("Download IATI XML"))
