"""`uxo-swg create-token EMAIL`: print a new API token for a user."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..db import get_session
from .tokens import TokenError, create_token


@click.command("create-token")
@with_appcontext
@click.argument("email")
@click.option("--label", default="", help="what the token is for (shown to admins on the API tokens page)")
def create_token_command(email: str, label: str) -> None:
    """Print a new API token for a user; the API has exactly that user's rights."""
    try:
        token = create_token(email, label=label, session=get_session(), actor="cli", via="cli")
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    click.echo(token)
    click.echo(f"API token for {email.strip().lower()}: shown once, keep it secret; "
               "send it as 'Authorization: Bearer TOKEN'", err=True)


COMMANDS = [create_token_command]
