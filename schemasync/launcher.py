"""The console entry point: `--help`, `--version` and `validate PATH...` without importing click.

pre-commit runs `schemasync validate` on every commit and CI scripts call `--help` and
`--version`, so start-up is felt: importing click alone costs more than starting Python.
These three answer from here, exactly as the click command line would (tests compare
them); every other command line, and any with options, goes to schemasync.cli.
"""

from __future__ import annotations

import sys


def _validate(paths: list[str]) -> int:
    from schemasync.errors import (
        EXIT_ERROR,
        EXIT_OK,
        SchemaSyncError,
        failure_lines,
        internal_error_lines,
    )
    from schemasync.manifest import validate_paths

    def say(message: str) -> None:
        print(message, file=sys.stderr)

    try:
        validate_paths(tuple(paths), say)
    except SchemaSyncError as e:
        for line in failure_lines(e):
            say(line)
        return e.exit_code
    except Exception as e:  # same words as schemasync.cli for a bug
        for line in internal_error_lines(e):
            say(line)
        return EXIT_ERROR
    return EXIT_OK


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args in (["--help"], ["-h"]):
        from schemasync.help_text import TOP_LEVEL_HELP

        sys.stdout.write(TOP_LEVEL_HELP)
        sys.exit(0)
    if args == ["--version"]:
        from schemasync import __version__

        print(f"schemasync, version {__version__}")
        sys.exit(0)
    if len(args) > 1 and args[0] == "validate" and not any(a.startswith("-") for a in args[1:]):
        sys.exit(_validate(args[1:]))
    from schemasync.cli import main as cli_main

    cli_main(args)
