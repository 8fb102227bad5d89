"""FastAPI's own 422 body, made safe for non-finite numbers.

Python's json module accepts `Infinity`, `NaN` and `1e999` in request bodies; the
validation error then echoes that value in `input`, and FastAPI's default handler
fails to encode it (a 500 instead of a 422). Same shape, non-finite floats as strings.
"""

import math

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


async def validation_error_handler(_request: Request, exc: RequestValidationError) -> JSONResponse:
    detail = _finite(jsonable_encoder(exc.errors()))
    return JSONResponse(status_code=422, content={"detail": detail})
