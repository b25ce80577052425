#!/bin/sh
# The whole schemasync flow against a local emulated Close org: no account, no network.
#   validate -> plan -> apply -> plan again (no changes) -> export
# Runs from the repository root after `pip install .`; leaves its files in .schemasync-demo/.
# SCHEMASYNC_DEMO_PORT: the emulator's port (0: any free one); SCHEMASYNC_DEMO_DIR: where its
# files go; SCHEMASYNC_DEMO_BIN: the schemasync to run (default: .venv's, else the one on PATH).
set -eu

cd "$(dirname "$0")/.."
port=${SCHEMASYNC_DEMO_PORT:-8765}
work=${SCHEMASYNC_DEMO_DIR:-.schemasync-demo}
if [ -n "${SCHEMASYNC_DEMO_BIN:-}" ]; then
  ss=$SCHEMASYNC_DEMO_BIN
elif [ -x .venv/bin/schemasync ]; then
  ss=.venv/bin/schemasync   # the README's install; a `schemasync` on PATH may be another tool
else
  ss=schemasync
fi

rm -rf "$work" && mkdir -p "$work"
# A staging org that holds part of the schema already (see examples/README.md): the plan
# creates, updates, moves and reorders, and lists what the manifest does not name.
cp examples/sample-org.json "$work/org.json"

: >"$work/emulator.log"   # there before the loop below reads it, however slow the start
"$ss" emulator --port "$port" --state "$work/org.json" 2>>"$work/emulator.log" &
emulator=$!
trap 'kill $emulator 2>/dev/null || true' EXIT INT TERM

export CLOSE_API_KEY="demo-key"

# The emulator prints the URL it listens on (with --port 0 it picks a free port).
tries=0
while :; do
  CLOSE_API_URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/emulator.log")
  export CLOSE_API_URL
  if [ -n "$CLOSE_API_URL" ] && "$ss" export >/dev/null 2>&1; then
    break
  fi
  tries=$((tries + 1))
  if [ "$tries" -gt 50 ] || ! kill -0 "$emulator" 2>/dev/null; then
    echo "the emulator did not start (see $work/emulator.log);" \
         "set SCHEMASYNC_DEMO_PORT to a free port, or 0 for any" >&2
    exit 1
  fi
  sleep 0.2
done

# Bold step headers only on a terminal, and never with NO_COLOR set (https://no-color.org).
if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then bold='\033[1m' plain='\033[0m'; else bold='' plain=''; fi
step() { printf "\n${bold}\$ %s${plain}\n" "$*" >&2; }

step schemasync validate examples/crm.yaml
"$ss" validate examples/crm.yaml

step schemasync plan examples/crm.yaml --out $work/plan.json
"$ss" plan examples/crm.yaml --out "$work/plan.json"

step schemasync apply --plan $work/plan.json
"$ss" apply --plan "$work/plan.json"

step schemasync plan examples/crm.yaml --detailed-exitcode
"$ss" plan examples/crm.yaml --detailed-exitcode

step schemasync export -o $work/exported.yaml
"$ss" export -o "$work/exported.yaml"
cat "$work/exported.yaml"

printf '\nDone: the org now matches examples/crm.yaml (files in %s/).\n' "$work" >&2
