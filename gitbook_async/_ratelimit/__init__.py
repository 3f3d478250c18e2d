"""The shared rate budget: pure decisions, the limiter protocol, the local limiter."""

from gitbook_async._ratelimit._budget import RateLimitFeedback
from gitbook_async._ratelimit._limiter import (
    BudgetLimiter,
    LocalRateLimiter,
    RateLimiter,
    Reservation,
)
from gitbook_async._ratelimit._send import budget_key, spend

__all__ = [
    "BudgetLimiter",
    "LocalRateLimiter",
    "RateLimitFeedback",
    "RateLimiter",
    "Reservation",
    "budget_key",
    "spend",
]
