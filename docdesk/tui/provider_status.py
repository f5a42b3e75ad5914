"""The provider state the status bar shows: working, idle, rate-limited, paused or no worker."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from docdesk.core.providers.errors import PauseReason
from docdesk.core.store.provider_state import ProviderState
from docdesk.core.store.workers import WorkerInfo


class ProviderMode(StrEnum):
    """The current activity of the embedding side."""

    WORKING = "working"
    IDLE = "idle"
    RATE_LIMITED = "rate-limited"
    PAUSED = "paused"
    NO_WORKER = "no worker"
    STARTING = "starting"


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    """The mode plus, for pauses, the reason and message, and when requests resume (epoch ms)."""

    mode: ProviderMode
    reason: str | None = None
    message: str | None = None
    resumes_at: int | None = None


def derive_status(
    states: Iterable[ProviderState],
    live_workers: list[WorkerInfo],
    *,
    now_ms: int,
    unfinished: int,
    own_provider_key: str | None,
    own_problem: str | None,
    own_starting: bool,
) -> ProviderStatus:
    """Combine the shared provider state rows with what the in-app worker reported.

    Only rows of providers in use count: a pause left behind by a provider
    that no worker uses any more (say, after switching from openai to local)
    would otherwise show as paused for ever.
    """
    if own_problem is not None:
        return ProviderStatus(ProviderMode.PAUSED, PauseReason.NOT_CONFIGURED.value, own_problem)
    in_use = {w.provider_key for w in live_workers if w.provider_key}
    if own_provider_key:
        in_use.add(own_provider_key)
    relevant = [s for s in states if s.provider_key in in_use]
    paused = [s for s in relevant if s.paused]
    if paused:
        state = max(paused, key=lambda s: s.updated_at)
        return ProviderStatus(ProviderMode.PAUSED, state.pause_reason, state.pause_message, state.probe_at)
    limited = [s.rate_limited_until for s in relevant if s.rate_limited_until and s.rate_limited_until > now_ms]
    if limited:
        return ProviderStatus(ProviderMode.RATE_LIMITED, resumes_at=max(limited))
    if not live_workers:
        return ProviderStatus(ProviderMode.STARTING if own_starting else ProviderMode.NO_WORKER)
    return ProviderStatus(ProviderMode.WORKING if unfinished else ProviderMode.IDLE)
