"""`qa tokens`: personal API tokens for `/api/v1` (create, list, revoke)."""

from __future__ import annotations

import typer

from qa.cli.context import database, operator
from qa.services.people.api_tokens import create_token, list_tokens, revoke_token, user_id_of

tokens_app = typer.Typer(help="API tokens for /api/v1.", no_args_is_help=True)


@tokens_app.command("create")
def tokens_create(username: str, name: str) -> None:
    """Create a token for USERNAME named NAME; the token is printed once."""
    db = database()
    new = create_token(db, operator(), user_id_of(db, username), name)
    typer.echo(f"token {new.view.id} ({new.view.name}) created for {username}")
    typer.echo(f"token (shown once): {new.secret}")


@tokens_app.command("list")
def tokens_list(username: str) -> None:
    """USERNAME's tokens, newest first: id, prefix, name, created, last used, state."""
    db = database()
    for token in list_tokens(db, operator(), user_id_of(db, username)):
        used = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "never"
        state = "live" if token.live else "revoked"
        created = token.created_at.isoformat(timespec="minutes")
        typer.echo(f"{token.id}\t{token.prefix}…\t{token.name}\t{created}\t{used}\t{state}")


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """Revoke the token with this id (see `qa tokens list`)."""
    revoked = revoke_token(database(), operator(), token_id)
    typer.echo(f"token {revoked.id} ({revoked.name}) is revoked")
