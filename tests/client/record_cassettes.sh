#!/usr/bin/env bash
# Re-record every cassette of the Codat client, then replay them once (every source, with the secret scan).
#
#   CODAT_BASE_URL and CODAT_API_KEY naming a live account (e.g. CODAT_BASE_URL=https://api.codat.io): record
#     against it into tests/cassettes/client/live/, its origin kept. Recording writes to it (fake Xero
#     credentials on gbol, then deleted; the gbol enabled toggle, flipped and restored; a temporary webhook; the
#     profile and the sync settings written back unchanged; a CORS origin and a supplemental data source on gbol
#     invoices, added then removed; a custom data type `codatClientCassette` on gbol, which Codat's API cannot
#     delete), so use a test account and also set CODAT_RECORD_WRITES=yes.
#   otherwise: record against a fresh local emulator (python -m codat_emulator), started and stopped by the
#     test session (or the one a loopback CODAT_BASE_URL names), into tests/cassettes/client/emulator/, its
#     origin written as http://codat-emulator.invalid.
#
# Every interaction is redacted before it is written (tests/client/client_recording.py), and the replay run
# includes the scan that fails if any cassette holds an Authorization value or a secret in any form (the
# recording key, the fake credentials, CODAT_API_KEY and the secret TF_VAR_ variables: raw, base64,
# percent-encoded...). Extra arguments go to pytest, e.g. `-k webhooks` to re-record one cassette.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-.venv/bin/python}"
"$PY" -m pytest tests/client/test_client_recorded.py --record-mode=rewrite -p no:cacheprovider -q "$@"
"$PY" -m pytest tests/client/test_client_recorded.py --record-mode=none -p no:cacheprovider -q "$@"
