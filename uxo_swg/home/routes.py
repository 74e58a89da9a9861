"""The home page: what to do next for each of the user's roles, and the year's funding at a glance."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..db import get_session
from ..domain.periods import PeriodError, parse_period
from ..funding import glance as year_glance
from ..i18n import message_text
from .todo import next_steps

bp = Blueprint("home", __name__)


def _today() -> date:
    """Today, in one place (tests set it)."""
    return date.today()


@bp.get("/")
def index():
    today = _today()
    year_text = request.args.get("year") or str(today.year)
    try:
        period = parse_period(year_text, "Y")
    except PeriodError as error:
        return render_template("home/index.html", error=message_text(error), glance=None), 400
    session = get_session()
    glance = year_glance(period, session=session)  # computed once per change of the data
    current = glance if period.year == today.year else year_glance(parse_period(str(today.year), "Y"), session=session)
    steps = next_steps(current_user, today, current.figures.missing_rates, session=session)
    return render_template("home/index.html", glance=glance, error=None, steps=steps)
