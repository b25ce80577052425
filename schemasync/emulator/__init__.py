"""A local Close-compatible API: the whole custom-field schema of one organization.

It serves custom object types and their fields, custom activity types and their fields,
lead, contact and opportunity fields, shared fields and their associations, the field order
of every object, lead statuses, pipelines and opportunity statuses, roles, /me/ and
/organization/{id}/, with Close's status codes, envelopes and error bodies, optional rate
limits and fault injection; its state can live in a JSON file (statefile.py).

It is an independent implementation of the API as Close documents it (docs/close-api-facts.md
and the pages it links), not of schemasync's model of it: nothing here imports schemasync except
schemasync.errors. Where the API's behaviour is unknown it chooses the safe reading, and
Behaviour switches to the other where a test needs both (the table is in behaviour.py).

Modules: app (WSGI, auth, rate limits, faults), routes (the route table and the generic
handlers), collections (the table of collections), fields, objects, shared, schema, statuses
(one resource family each), checks (validation), store (the org in memory), statefile and
integrity (the state file and its journal), server (serving it), faults.
"""

from .app import DropConnection, EmulatorApp
from .faults import Fault, Faults
from .server import EmulatorServer, EmulatorTransport, parse_rate_limit, run_emulator, serve
from .statefile import StateFileError
from .store import Behaviour, Store

__all__ = [
    "Behaviour",
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
