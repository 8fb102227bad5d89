"""Test-only fault injection: configuration, per-request decisions and the request log.

Only wired in when the app starts with KOL_BACKEND_FAULTS=1 (see main.py).
"""

import math
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

REQUEST_LOG_CAPACITY = 10_000

FailureKind = Literal[
    "error", "drop_connection", "truncated_body", "malformed_json", "oversized_body"
]


class FaultConfig(BaseModel):
    """What to do to the API requests that follow; unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid")

    error_status: int | None = Field(default=None, ge=400, le=599)
    error_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    retry_after: int | None = Field(default=None, ge=0)
    latency_ms: int = Field(default=0, ge=0, le=600_000)
    malformed_json: bool = False
    truncated_body: bool = False
    oversized_body_bytes: int | None = Field(default=None, ge=16, le=1 << 30)
    oversized_chunked: bool = False
    drop_connection: bool = False
    count: int | None = Field(default=None, ge=1)
    paths: list[str] | None = None

    @model_validator(mode="after")
    def one_failure_kind(self) -> "FaultConfig":
        kinds = [
            self.error_status is not None,
            self.drop_connection,
            self.truncated_body,
            self.malformed_json,
            self.oversized_body_bytes is not None,
        ]
        if sum(kinds) > 1:
            raise ValueError(
                "set at most one of error_status, drop_connection, truncated_body, "
                "malformed_json, oversized_body_bytes"
            )
        if self.retry_after is not None and self.error_status is None:
            raise ValueError("retry_after needs error_status")
        if self.oversized_chunked and self.oversized_body_bytes is None:
            raise ValueError("oversized_chunked needs oversized_body_bytes")
        return self

    def failure_kind(self) -> FailureKind | None:
        if self.error_status is not None:
            return "error"
        if self.drop_connection:
            return "drop_connection"
        if self.truncated_body:
            return "truncated_body"
        if self.malformed_json:
            return "malformed_json"
        if self.oversized_body_bytes is not None:
            return "oversized_body"
        return None


class FaultStatus(BaseModel):
    config: FaultConfig | None
    remaining: int | None
    targeted_requests: int
    failures_injected: int


@dataclass(frozen=True)
class Decision:
    config: FaultConfig
    failure: FailureKind | None


def is_api_path(path: str) -> bool:
    return path == "/health" or path.startswith("/api/v1/")


class FaultState:
    """Mutated only from the event loop without awaiting, so no lock is needed."""

    def __init__(self) -> None:
        self.config: FaultConfig | None = None
        self.remaining: int | None = None
        self.targeted = 0
        self.injected = 0
        self.requests: deque[dict] = deque(maxlen=REQUEST_LOG_CAPACITY)
        self.seq = 0

    def status(self) -> FaultStatus:
        return FaultStatus(
            config=self.config,
            remaining=self.remaining,
            targeted_requests=self.targeted,
            failures_injected=self.injected,
        )

    def configure(self, config: FaultConfig | None) -> None:
        self.config = config
        self.remaining = config.count if config is not None else None
        self.targeted = 0
        self.injected = 0

    def decide(self, path: str) -> Decision | None:
        config = self.config
        if config is None:
            return None
        if config.paths is not None and path not in config.paths:
            return None
        self.targeted += 1
        failure = config.failure_kind() if _selected(self.targeted, config.error_rate) else None
        if failure is not None:
            self.injected += 1
        if self.remaining is not None:
            self.remaining -= 1
            if self.remaining == 0:
                self.config, self.remaining = None, None
        return Decision(config, failure)

    def record(self, scope: dict) -> dict:
        self.seq += 1
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", []):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        entry = {
            "seq": self.seq,
            "method": scope.get("method", ""),
            "path": scope.get("path", ""),
            "query": scope.get("query_string", b"").decode("latin-1"),
            "headers": headers,
            "x_request_id": headers.get("x-request-id"),
            "x_circuit_state": headers.get("x-circuit-state"),
            "authorization_present": "authorization" in headers,
            "fault": None,
            "latency_ms": 0,
        }
        self.requests.append(entry)
        return entry


def _selected(n: int, rate: float) -> bool:
    """True for exactly floor(n * rate) of the first n requests, evenly spread.

    Every 1/rate-th request fails (rate 0.5: 2nd, 4th, ...; rate 1: all), so tests
    can predict which calls fail without any randomness.
    """
    exact = Fraction(rate).limit_denominator(1_000_000)
    return math.floor(n * exact) != math.floor((n - 1) * exact)
