"""`qa users`, `qa institutions`, `qa rubrics`, `qa db`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from qa.cli.context import database, operator, settings
from qa.domain.errors import InvalidInput
from qa.persistence.migrate import current_revision, head_revision, upgrade
from qa.services.people.institutions import add_institution, list_institutions
from qa.services.people.invitations import LINK_DAYS, issue_link_for
from qa.services.people.users import add_user
from qa.services.rubrics.rubric_files import check_rubrics

users_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
institutions_app = typer.Typer(help="Providers and QA agencies.", no_args_is_help=True)
rubrics_app = typer.Typer(help="Rubric files.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: str,
    email: str = typer.Option(..., help="E-mail address."),
    name: str = typer.Option(..., help="Full name as shown to others."),
    role: list[str] = typer.Option(
        ..., help="provider, reviewer, officer, agency or admin; repeat for several."
    ),
    institution: str | None = typer.Option(None, help="Institution code (providers, agency)."),
    expertise: list[str] = typer.Option(
        [],
        help="Reviewers: an ISCED-F 2013 field code (e.g. 0613); repeat or separate with commas.",
    ),
    panel_role: str | None = typer.Option(
        None, help="Reviewers: their seat on a panel: subject_expert, labour_market or learner."
    ),
    password_stdin: bool = typer.Option(
        False, help="Read the password from standard input instead of generating one."
    ),
) -> None:
    """Add a person. A generated password is printed once."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    new = add_user(
        database(),
        operator(),
        username=username,
        email=email,
        display_name=name,
        roles=role,
        institution_code=institution,
        password=password,
        expertise=[code for item in expertise for code in item.replace(";", ",").split(",")],
        panel_role=panel_role.strip().lower() if panel_role else None,
    )
    typer.echo(f"user {new.user.username} added with roles {', '.join(new.roles)}")
    if new.user.expertise or new.user.panel_role:
        typer.echo(
            f"panel role {new.user.panel_role or 'none'}; expertise "
            f"{', '.join(new.user.expertise) or 'none'}"
        )
    if new.generated_password:
        typer.echo(f"password (shown once): {new.generated_password}")


@users_app.command("invite")
def users_invite(
    username: str,
    days: int = typer.Option(LINK_DAYS, help="How many days the link works (1-90)."),
    base_url: str = typer.Option(
        "http://127.0.0.1:8000", help="The address people open the product at."
    ),
) -> None:
    """Print a single-use link with which the person sets their own password.

    An invitation until they have signed in, a password reset after; any older unused
    link of theirs stops working.
    """
    link = issue_link_for(database(), operator(), username, days=days)
    until = link.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    kind = link.purpose.value.replace("_", " ")
    typer.echo(f"{kind} link for {link.username} (works once, until {until}):")
    typer.echo(link.url(base_url))


@institutions_app.command("add")
def institutions_add(
    code: str,
    name: str,
    country: str = typer.Option(..., help="ISO 3166-1 country code, e.g. PT."),
    kind: str = typer.Option("provider", help="provider or agency."),
    deqar_id: str | None = typer.Option(None, help="DEQAR institution id (DEQARINST...)."),
) -> None:
    """Register a provider or a QA agency."""
    added = add_institution(
        database(), operator(), code=code, name=name, country=country, kind=kind, deqar_id=deqar_id
    )
    typer.echo(f"{added.kind} {added.code} added ({added.name}, {added.country})")


@institutions_app.command("list")
def institutions_list() -> None:
    """List institutions."""
    for item in list_institutions(database()):
        typer.echo(f"{item.code:<14} {item.kind:<9} {item.country}  {item.name}")


@rubrics_app.command("check")
def rubrics_check(
    path: Path | None = typer.Argument(
        None, help="A rubric file or folder; the bundled rubrics by default."
    ),
) -> None:
    """Validate rubric files and report every problem (file, key, reason)."""
    target = path or settings().rubrics_dir
    rubrics, problems = check_rubrics(target)
    for rubric in rubrics:
        typer.echo(
            f"ok: {rubric.key} {rubric.version}: {len(rubric.principles)} principles, "
            f"{len(rubric.criteria)} criteria, content hash {rubric.content_hash()[:12]}"
        )
    if problems:
        raise InvalidInput(
            f"{len(problems)} problem(s) in rubric files at {target}",
            tuple(str(p) for p in problems),
        )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending schema migrations."""
    db = database(create=True)
    before = current_revision(db)
    upgrade(db)
    after = current_revision(db)
    state = "already up to date" if before == after else f"upgraded from {before or 'empty'}"
    typer.echo(f"database at revision {after} ({state})")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and of this release."""
    db = database()
    typer.echo(f"database: {current_revision(db) or 'empty'}; this release: {head_revision(db)}")
