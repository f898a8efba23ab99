#!/usr/bin/env bash
# Re-record every cassette of the Codat client (tests/cassettes/client/), then replay them once.
#
#   CODAT_BASE_URL and CODAT_API_KEY set: record against that live account. Recording writes to it
#     (fake Xero credentials on gbol, then deleted; the gbol enabled toggle, flipped and restored; a
#     temporary webhook; the profile and the sync settings written back unchanged; a CORS origin and a
#     supplemental data source on gbol invoices, added then removed; a custom data type
#     `codatClientCassette` on gbol, which Codat's API cannot delete), so use a test account and also set
#     CODAT_RECORD_WRITES=yes.
#   otherwise: record against a fresh local emulator (python -m codat_emulator), started and stopped
#     by the test session.
#
# Every interaction is redacted before it is written (tests/client/client_recording.py), and the
# replay run includes the scan that fails if any cassette holds an Authorization value or a secret.
# Extra arguments go to pytest, e.g. `-k webhooks` to re-record one cassette.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-.venv/bin/python}"
"$PY" -m pytest tests/client/test_client_recorded.py --record-mode=rewrite -p no:cacheprovider -q "$@"
"$PY" -m pytest tests/client/test_client_recorded.py --record-mode=none -p no:cacheprovider -q "$@"
