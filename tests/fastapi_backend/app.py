"""uvicorn entry point.

    python -m uvicorn app:app --app-dir tests/fastapi_backend --host 127.0.0.1 --port 8000

Set KOL_BACKEND_FAULTS=1 to enable the test-only /_faults endpoints.
"""

import os

from kol_backend.main import FAULTS_ENV, create_app

app = create_app(faults_enabled=os.environ.get(FAULTS_ENV) == "1")
