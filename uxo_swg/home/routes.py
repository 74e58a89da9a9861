"""The home page: the current year's funding at a glance."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request

from ..db import get_session
from ..domain.periods import PeriodError, parse_period
from ..funding import glance as year_glance

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    year_text = request.args.get("year") or str(date.today().year)
    try:
        period = parse_period(year_text, "Y")
    except PeriodError as error:
        return render_template("home/index.html", error=str(error), glance=None), 400
    glance = year_glance(period, session=get_session())
    return render_template("home/index.html", glance=glance, error=None)
