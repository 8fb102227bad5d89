"""Reference KOL-matching backend used by the Rust client's integration tests.

The wire contract lives in docs/backend-contract.md; `app.py` next to this package
is the uvicorn entry point.
"""

API_VERSION = "1.0.0"
