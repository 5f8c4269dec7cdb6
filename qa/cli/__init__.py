"""The `qa` command. Thin: parse arguments, call one service, print the result.

User mistakes print one clear line (plus the specific problems) and exit non-zero; they
never show a traceback.
"""

from __future__ import annotations

import sys

import typer
from sqlalchemy.exc import OperationalError

from qa.cli.admin import db_app, institutions_app, rubrics_app, users_app
from qa.cli.audit import audit_app
from qa.cli.catalogue import import_app, template_app
from qa.cli.export import export_app
from qa.cli.setup import register_setup_commands
from qa.cli.worker import register_worker_commands
from qa.domain.errors import Conflict, InvalidInput, QAError

app = typer.Typer(
    help="Quality-assurance review workflow for micro-credentials.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
register_setup_commands(app)
register_worker_commands(app)
app.add_typer(users_app, name="users")
app.add_typer(institutions_app, name="institutions")
app.add_typer(rubrics_app, name="rubrics")
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(template_app, name="template")
app.add_typer(audit_app, name="audit")
app.add_typer(export_app, name="export")

EXIT_USER_ERROR = 2
EXIT_CONFLICT = 3


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=argv, prog_name="qa")
    except InvalidInput as exc:
        _fail(str(exc), exc.problems, EXIT_USER_ERROR)
    except Conflict as exc:
        _fail(str(exc), (), EXIT_CONFLICT)
    except QAError as exc:
        _fail(str(exc), (), EXIT_USER_ERROR)
    except OperationalError as exc:
        _fail(f"the database cannot be used: {exc.orig}", (), EXIT_USER_ERROR)


def _fail(message: str, problems: tuple[str, ...], code: int) -> None:
    typer.echo(f"error: {message}", err=True)
    for problem in problems:
        typer.echo(f"  - {problem}", err=True)
    sys.exit(code)
