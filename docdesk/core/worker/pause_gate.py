"""The provider-wide pause: when a worker may send requests, probe, or must wait.

While a pause is in force, workers on the database send at most one probe per
interval between them: `take_probe` in the store lets one caller through.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from docdesk.core.clock import now_ms
from docdesk.core.providers.errors import PauseReason, ProviderUnavailableError
from docdesk.core.store import provider_state
from docdesk.core.worker.events import ProviderStateChanged
from docdesk.core.worker.retry_policy import next_probe_interval
from docdesk.core.worker.runtime import WorkerRuntime

log = logging.getLogger(__name__)


class Gate(StrEnum):
    """Permission the worker loop has now: send, probe, or wait."""

    OPEN = "open"
    PROBE = "probe"  # paused, and this worker sends the one probe of this interval
    CLOSED = "closed"


async def check_gate(rt: WorkerRuntime) -> tuple[Gate, int | None]:
    """Return the gate and, when closed, the epoch ms of the next probe."""
    state = await rt.call(provider_state.read_state, rt.provider_key)
    if state is None or not state.paused:
        return Gate.OPEN, None
    # A pause set by another process must also stop this process's in-flight documents.
    if rt.embedder.unavailable is None and not rt.probing:
        reason = _pause_reason(state.pause_reason)
        rt.embedder.set_unavailable(ProviderUnavailableError(reason, state.pause_message or reason.value))
    probe_due = state.probe_at is not None and state.probe_at <= now_ms()
    if probe_due and await rt.call(provider_state.take_probe, rt.provider_key):
        log.info("provider %s paused (%s); sending a probe", rt.provider_key, state.pause_reason)
        return Gate.PROBE, None
    return Gate.CLOSED, state.probe_at


def _pause_reason(stored: str | None) -> PauseReason:
    try:
        return PauseReason(stored or "")
    except ValueError:
        return PauseReason.UNREACHABLE


async def record_unavailable(rt: WorkerRuntime, reason: PauseReason, message: str) -> int:
    """Pause the provider (or lengthen the pause after a failed probe); return the next probe time."""
    state = await rt.call(provider_state.read_state, rt.provider_key)
    already_paused = state is not None and state.paused
    if already_paused and not rt.probing and state is not None and state.probe_at is not None:
        # Several documents fail together when a pause starts; only a failed probe lengthens it.
        return state.probe_at
    previous = state.probe_interval_ms / 1000 if already_paused and state and state.probe_interval_ms else None
    interval = next_probe_interval(previous, rt.settings.pause_base_seconds, rt.settings.pause_max_seconds)
    await rt.call(provider_state.set_paused, rt.provider_key, reason.value, message, int(interval * 1000))
    log.warning("provider %s paused (%s): %s; next probe in %.0f s", rt.provider_key, reason.value, message, interval)
    rt.emit(ProviderStateChanged())
    return now_ms() + int(interval * 1000)


async def record_success(rt: WorkerRuntime) -> None:
    """After any successful request: end a pause this worker was probing or had seen."""
    if not rt.probing and rt.embedder.unavailable is None:
        return
    rt.probing = False
    rt.embedder.reset_unavailable()
    if await rt.call(provider_state.clear_pause, rt.provider_key):
        log.info("provider %s is available again; pause ended", rt.provider_key)
        rt.emit(ProviderStateChanged())
