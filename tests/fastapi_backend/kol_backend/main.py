"""Application factory: the public API, plus the fault tooling when asked for."""

import time

from fastapi import FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError

from . import API_VERSION, budget, dataset, matching
from .fault_middleware import FaultMiddleware
from .fault_routes import fault_router
from .faults import FaultState
from .models import (
    ErrorResponse,
    HealthResponse,
    MatchKolsRequest,
    MatchKolsResponse,
    MatchMeta,
    OptimizeBudgetRequest,
    OptimizeBudgetResponse,
)
from .validation import validation_error_handler

FAULTS_ENV = "KOL_BACKEND_FAULTS"


def create_app(faults_enabled: bool, data: dataset.Dataset | None = None) -> FastAPI:
    data = data if data is not None else dataset.load()
    app = FastAPI(
        title="KOL matching backend (reference)",
        version=API_VERSION,
        description="Reference implementation of the contract in docs/backend-contract.md.",
    )
    app.add_exception_handler(RequestValidationError, validation_error_handler)

    @app.get("/health")
    async def health() -> HealthResponse:
        return HealthResponse(status="ok", version=API_VERSION)

    @app.post("/api/v1/kols/match")
    async def match_kols(request: MatchKolsRequest) -> MatchKolsResponse:
        started = time.perf_counter()
        result = matching.match_kols(data, request)
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        return MatchKolsResponse(
            matches=result.matches,
            total_candidates=result.total_candidates,
            meta=MatchMeta(
                algorithm_used=matching.ALGORITHM,
                confidence=result.confidence,
                processing_time_ms=elapsed_ms,
            ),
        )

    @app.post(
        "/api/v1/budget/optimize",
        responses={404: {"model": ErrorResponse, "description": "Unknown kol_id(s)"}},
    )
    async def optimize_budget(request: OptimizeBudgetRequest) -> OptimizeBudgetResponse:
        unknown = [k for k in request.kol_ids if k not in data.by_id]
        if unknown:
            raise HTTPException(status_code=404, detail=f"unknown kol_id: {', '.join(unknown)}")
        return budget.optimize([data.by_id[k] for k in request.kol_ids], request)

    if faults_enabled:
        state = FaultState()
        app.include_router(fault_router(state))
        app.add_middleware(FaultMiddleware, state=state)

    return app
