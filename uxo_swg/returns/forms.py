"""Forms of the returns pages: the upload and its confirmation."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField

from ..i18n import Form


class UploadForm(Form):
    file = FileField(_l("Return workbook (.xlsx)"), validators=[FileRequired(_l("choose the return file to upload"))])
    submit = SubmitField(_l("Upload and check"))


class ConfirmForm(Form):
    token = HiddenField()
    submit = SubmitField(_l("Store this return"))
