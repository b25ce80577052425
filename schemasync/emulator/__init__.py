"""A local Close-compatible API (custom object types, their fields, field order, roles).

It is an independent implementation of the API as close-api.md describes it, not of
schemasync's model of it: nothing here imports schemasync except schemasync.errors.
"""

from .app import DropConnection, EmulatorApp
from .faults import Fault, Faults
from .server import EmulatorServer, EmulatorTransport, parse_rate_limit, run_emulator, serve
from .store import StateFileError, Store

__all__ = [
    "DropConnection",
    "EmulatorApp",
    "EmulatorServer",
    "EmulatorTransport",
    "Fault",
    "Faults",
    "StateFileError",
    "Store",
    "parse_rate_limit",
    "run_emulator",
    "serve",
]
