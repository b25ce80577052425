#!/bin/sh
# The whole schemasync flow against a local emulated Close org: no account, no network.
#   validate -> plan -> apply -> plan again (no changes) -> export
# Runs from the repository root after `pip install .`; leaves its files in .schemasync-demo/.
set -eu

cd "$(dirname "$0")/.."
port=${SCHEMASYNC_DEMO_PORT:-8765}
work=.schemasync-demo
if command -v schemasync >/dev/null 2>&1; then ss=schemasync; else ss=.venv/bin/schemasync; fi

rm -rf "$work" && mkdir -p "$work"
cp examples/sample-org.json "$work/org.json"   # a staging org with one type already in it

"$ss" emulator --port "$port" --state "$work/org.json" 2>"$work/emulator.log" &
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

step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; }

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

printf '\nDone: the org now matches examples/crm.yaml (files in .schemasync-demo/).\n' >&2
