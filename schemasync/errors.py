"""The one exception tree of schemasync and the exit codes of the contract.

    SchemaSyncError                 exit 1, message built from the data it carries
    ├── UsageError                  exit 64 (bad flags or arguments)
    ├── ProblemsError               problems: list[Problem], printed one per line
    │   ├── ManifestError           the manifest's (validate, load)
    │   └── PlanError               found while planning (unknown refs, ambiguous names)
    ├── PlanFileError               a saved plan that cannot be read or has an unknown version
    ├── StalePlanError              the org changed since the saved plan was made
    ├── ConfigError                 config file / environment problems
    ├── Aborted                     the user declined, or no terminal to ask on
    ├── ApiError                    method, path, status, API message
    │   ├── AuthError               401 / 403
    │   ├── PlanLimitError          402
    │   ├── TransportError          no response after retries (connection, timeout)
    │   ├── AmbiguousWriteError     a POST whose outcome is unknown
    │   └── ResponseError           a 2xx whose body cannot be understood
    ├── ApplyFailed                 exit 3: some operations applied, then one failed
    └── Interrupted                 exit 130 / 143: SIGINT / SIGTERM stopped an apply

Only cli.py turns these into messages on stderr and exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_PARTIAL = 3
EXIT_USAGE = 64
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a user's file, reported as FILE:LINE:COL: path: message."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return one_line(text)


def one_line(text: str) -> str:
    """Escape control characters (a name may hold a newline) so one problem is one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class SchemaSyncError(Exception):
    exit_code = EXIT_ERROR

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(SchemaSyncError):
    exit_code = EXIT_USAGE


class ProblemsError(SchemaSyncError):
    """An error made of several located problems, all reported at once."""

    what = "problem"

    def __init__(self, problems: list[Problem], summary: str = "") -> None:
        self.problems = sorted(problems)
        n = len(self.problems)
        summary = summary or f"{n} {self.what}{'' if n == 1 else 's'} found"
        super().__init__("\n".join([*(str(p) for p in self.problems), summary]))
        self.summary = summary


class ManifestError(ProblemsError):
    what = "manifest problem"


class PlanError(ProblemsError):
    what = "plan problem"


class PlanFileError(SchemaSyncError):
    pass


class StalePlanError(SchemaSyncError):
    pass


class ConfigError(SchemaSyncError):
    pass


class Aborted(SchemaSyncError):
    pass


class ApiError(SchemaSyncError):
    """An API call that failed; carries what the user needs to find the cause."""

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        api_message: str,
        *,
        hint: str = "",
        address: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.api_message = api_message
        self.hint = hint
        self.address = address
        super().__init__(self._build())

    def _build(self) -> str:
        status = f" -> {self.status}" if self.status is not None else ""
        where = f"{self.address}: " if self.address else ""
        msg = f"{where}{self.method} {self.path}{status}: {self.api_message}"
        return f"{msg} ({self.hint})" if self.hint else msg

    def at(self, address: str) -> ApiError:
        """Attach the manifest address this call was made for."""
        self.address = address
        self.message = self._build()
        self.args = (self.message,)
        return self


class AuthError(ApiError):
    pass


class PlanLimitError(ApiError):
    pass


class TransportError(ApiError):
    pass


class AmbiguousWriteError(ApiError):
    pass


class ResponseError(ApiError):
    pass


class ApplyFailed(SchemaSyncError):
    exit_code = EXIT_PARTIAL

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class Interrupted(SchemaSyncError):
    """SIGINT/SIGTERM during apply; exit 130 or 143 after the report."""

    def __init__(self, message: str, exit_code: int, report: Any = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.report = report


def failure_lines(error: SchemaSyncError) -> list[str]:
    """What a user sees for an error: each located problem, then `Error: ...`."""
    if isinstance(error, ProblemsError):
        return [*(str(p) for p in error.problems), f"Error: {error.summary}"]
    return [f"Error: {error}"]


def internal_error_lines(error: BaseException) -> list[str]:
    """A bug in schemasync: still no traceback, unless SCHEMASYNC_DEBUG asks for one.

    Call it inside the `except` block: the traceback shown is the one being handled.
    """
    import os

    lines = []
    if os.environ.get("SCHEMASYNC_DEBUG"):
        import traceback

        lines.append(traceback.format_exc())
    return [
        *lines,
        f"Error: internal error ({type(error).__name__}: {error}). This is a bug in "
        "schemasync; set SCHEMASYNC_DEBUG=1 to see the traceback and please report it.",
    ]
