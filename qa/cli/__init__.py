"""The `qa` command. Thin: parse arguments, call one service, print the result.

User mistakes print one clear line (plus the specific problems) and exit non-zero; they
never show a traceback. The mapping from errors to that line and the exit code is here, in
one place: the product's own errors, and what bad input makes the libraries below raise (a
file that cannot be read or written, a database address that is wrong or unreachable).
"""

from __future__ import annotations

import sys

import typer
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError

from qa.cli import assign, pack_keys  # noqa: F401 - register commands on `qa import`, `qa audit`
from qa.cli.admin import db_app, institutions_app, rubrics_app, users_app
from qa.cli.assign import register_assign_commands
from qa.cli.audit import audit_app
from qa.cli.backup import register_backup_commands
from qa.cli.catalogue import import_app, template_app
from qa.cli.exit_codes import EXIT_CONFLICT, EXIT_USER_ERROR
from qa.cli.export import export_app
from qa.cli.setup import register_setup_commands
from qa.cli.tokens import tokens_app
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
register_backup_commands(app)
register_assign_commands(app)
app.add_typer(users_app, name="users")
app.add_typer(institutions_app, name="institutions")
app.add_typer(rubrics_app, name="rubrics")
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(template_app, name="template")
app.add_typer(audit_app, name="audit")
app.add_typer(export_app, name="export")
app.add_typer(tokens_app, name="tokens")

__all__ = ["EXIT_CONFLICT", "EXIT_USER_ERROR", "app", "main"]


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=argv, prog_name="qa")
    except InvalidInput as exc:
        _fail(str(exc), exc.problems, EXIT_USER_ERROR)
    except Conflict as exc:
        _fail(str(exc), (), EXIT_CONFLICT)
    except QAError as exc:
        _fail(str(exc), (), EXIT_USER_ERROR)
    except IntegrityError as exc:
        _fail("the change clashes with what is already saved", _lines(exc.orig), EXIT_CONFLICT)
    except DBAPIError as exc:
        _fail(_database_message(exc), _lines(exc.orig), EXIT_USER_ERROR)
    except ArgumentError as exc:  # make_url and create_engine on a malformed address
        _fail(f"the database address (QA_DATABASE_URL) is not usable: {_line(exc)}")
    except SQLAlchemyError as exc:
        _fail(f"the database cannot be used: {_line(exc)}")
    except OSError as exc:
        _fail(_file_message(exc))
    except UnicodeError as exc:
        _fail(f"the input is not UTF-8 text ({_line(exc)})")


def _file_message(exc: OSError) -> str:
    reason = exc.strerror or _line(exc)
    if exc.filename is None:
        return f"a file or connection cannot be used ({reason})"
    hint = " (a file is where a folder is needed)" if isinstance(exc, FileExistsError) else ""
    return f"{exc.filename} cannot be used: {reason}{hint}"


def _database_message(exc: DBAPIError) -> str:
    text = str(exc.orig).lower()
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return "the database has no tables yet: run `qa init` (or `qa db upgrade`) first"
    return "the database cannot be used"


def _line(exc: BaseException) -> str:
    """An exception as one line (driver messages span several)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _lines(exc: BaseException | None) -> tuple[str, ...]:
    """An exception's lines, as the indented specifics under the `error:` line."""
    lines = [line.strip() for line in str(exc or "").splitlines() if line.strip()]
    return tuple(lines[:5])


def _fail(message: str, problems: tuple[str, ...] = (), code: int = EXIT_USER_ERROR) -> None:
    typer.echo(f"error: {message}", err=True)
    for problem in problems:
        typer.echo(f"  - {problem}", err=True)
    sys.exit(code)
