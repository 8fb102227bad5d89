"""The /_faults control endpoints, kept out of /openapi.json on purpose.

They exist only with KOL_BACKEND_FAULTS=1, and the published contract must be the
same with or without them.
"""

from fastapi import APIRouter
from pydantic import BaseModel

from .faults import FaultConfig, FaultState, FaultStatus


class RequestRecord(BaseModel):
    seq: int
    method: str
    path: str
    query: str
    headers: dict[str, str]
    x_request_id: str | None
    x_circuit_state: str | None
    authorization_present: bool
    fault: str | None
    latency_ms: int


class RequestLog(BaseModel):
    requests: list[RequestRecord]


class Cleared(BaseModel):
    cleared: int


def fault_router(state: FaultState) -> APIRouter:
    router = APIRouter(prefix="/_faults", include_in_schema=False)

    @router.get("")
    async def get_faults() -> FaultStatus:
        return state.status()

    @router.post("")
    async def set_faults(config: FaultConfig) -> FaultStatus:
        state.configure(config)
        return state.status()

    @router.delete("")
    async def reset_faults() -> FaultStatus:
        state.configure(None)
        return state.status()

    @router.get("/requests")
    async def get_requests() -> RequestLog:
        return RequestLog(requests=[RequestRecord(**entry) for entry in state.requests])

    @router.delete("/requests")
    async def clear_requests() -> Cleared:
        cleared = len(state.requests)
        state.requests.clear()
        return Cleared(cleared=cleared)

    return router
