"""The `uxo-swg` command line: the Flask command group with the working group's commands."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .db import get_session


def register_commands(app: Flask, blueprints: list[str]) -> None:
    """Add the working group's commands, and each blueprint's `commands.COMMANDS`, to the CLI."""
    import importlib
    import importlib.util

    for command in (init_command, demo_command, import_rates_command, create_user_command, scheduler_command, run_job_command):
        app.cli.add_command(command)
    for name in blueprints:
        module = f"{__package__}.{name}.commands"
        if importlib.util.find_spec(module) is not None:
            for command in importlib.import_module(module).COMMANDS:
                app.cli.add_command(command)


def output_options(command: Any) -> Any:
    """Add `--format json|xlsx|csv|html` and `--output FILE` to a command that prints or writes a document."""
    command = click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                           help="write to FILE instead of printing")(command)
    return click.option("--format", "fmt", type=click.Choice(["json", "xlsx", "csv", "html"]), default="json",
                        show_default=True)(command)


def write_result(data: bytes, output: Path | None, title: str, missing_rates: list[dict]) -> None:
    """Warn of each amount left out for want of a rate, then write the bytes to the file (saying so) or print them."""
    for missing in missing_rates:  # the message says what is missing; on the command line, how to load it too
        hint = "" if "import-rates" in missing["message"] else ": load one with `uxo-swg import-rates`"
        click.echo(f"warning: left out: {missing['message']}{hint}", err=True)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        click.echo(f"{title} written to {output}", err=True)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database to the latest migration."""
    from .migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"])
    click.echo("database is at the latest migration")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo data set (once: a database that has it already is left alone)."""
    from .demo import load_demo

    loaded = load_demo(session=get_session())
    click.echo(loaded)


@click.command("import-rates")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_rates_command(path: Path) -> None:
    """Load exchange rates from a CSV file: date,currency,units_per_usd,source."""
    from .rates import ImportRefused, import_rates

    try:
        count = import_rates(path.read_bytes(), path.name, session=get_session(), actor="cli", via="cli")
    except ImportRefused as refused:
        for problem in refused.problems:
            click.echo(f"{path.name}: {problem}", err=True)
        click.echo("nothing was stored", err=True)
        sys.exit(1)
    click.echo(f"{count} new rate(s) stored from {path.name}" if count else f"{path.name}: nothing new to store")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True, help="admin, co-chair, operator or reviewer; repeatable")
@click.option("--organisation", default=None, help="the organisation an operator belongs to")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def create_user_command(email: str, roles: tuple[str, ...], organisation: str | None, password_stdin: bool) -> None:
    """Create a user with one or more roles."""
    from .accounts import AccountError, create_user

    if "operator" in roles and not organisation:
        raise click.UsageError("an operator must belong to an organisation: give --organisation")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, list(roles), password, organisation=organisation, session=get_session(), actor="cli", via="cli")
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {user.email} ({user.roles})")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the periodic jobs in this process (run exactly one such process)."""
    import logging

    from .scheduler import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(current_app._get_current_object())


@click.command("run-job")
@click.argument("name")
@click.option("--period", default=None,
              help="the period to run for: a quarter (2025-Q3) for summary-drafts, a day (2025-10-03) for "
                   "return-reminders, rate-watch and backup (default: the one due today)")
@with_appcontext
def run_job_command(name: str, period: str | None) -> None:
    """Run one scheduled job now, for one period; a period already done is not done again."""
    from .scheduler import JOBS, run_job

    if name not in JOBS:
        raise click.ClickException(f"no job {name!r}; the jobs are: {', '.join(sorted(JOBS)) or '(none)'}")
    try:
        click.echo(run_job(name, period, session=get_session()))
    except ValueError as error:  # a period that cannot be read, named in the message
        raise click.ClickException(f"{name}: {error}") from error


def _create_app():
    from . import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="UXO Sector Working Group funding tracker.")
