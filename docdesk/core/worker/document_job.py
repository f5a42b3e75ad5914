"""One attempt at one document: extract, chunk, embed (through the cache), save, or record the failure."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from docdesk.core.chunking.chunker import chunk_pages
from docdesk.core.clock import now_ms
from docdesk.core.errors import ExtractionError, PermanentDocumentError
from docdesk.core.models import Chunk, Document, Stage
from docdesk.core.redact import one_line, redact
from docdesk.core.store import cache, queue
from docdesk.core.store.chunks import LeaseLostError, ReadyResult, save_ready, text_hash
from docdesk.core.worker.events import DocumentChanged
from docdesk.core.worker.failures import FailureKind, classify
from docdesk.core.worker.pause_gate import record_unavailable
from docdesk.core.worker.retry_policy import document_retry_delay, retries_exhausted
from docdesk.core.worker.runtime import WorkerRuntime

log = logging.getLogger(__name__)

# Texts per embed() call of one document: small enough for steady progress
# updates, large enough that the embedder still packs full requests.
_SLICE = 256
_PROGRESS_INTERVAL_SECONDS = 0.5


async def process_document(rt: WorkerRuntime, doc: Document) -> None:
    """Run one attempt and record its outcome; never raises except on cancellation."""
    log.info("processing %s (%s), attempt %d", doc.id, doc.filename, doc.retry_count + 1)
    try:
        result = await _build_result(rt, doc)
        await rt.call(save_ready, doc.id, rt.worker_id, result)
        log.info("%s is ready: %d chunk(s)", doc.id, len(result.chunks))
    except asyncio.CancelledError:
        raise
    except LeaseLostError:
        log.warning("%s: lease lost to another worker; result discarded", doc.id)
    except Exception as error:  # noqa: BLE001 - every failure is classified and recorded, none is dropped
        await _record_failure(rt, doc, error)
    rt.emit(DocumentChanged(doc.id))


async def _build_result(rt: WorkerRuntime, doc: Document) -> ReadyResult:
    path = Path(doc.storage_path)
    if not path.is_file():
        raise PermanentDocumentError(f"stored copy is missing ({path}); remove the document and add the file again")
    with _Preparing(rt) as preparing:
        extracted = await rt.runner.extract(path, doc.mime or "")
        max_tokens = min(rt.settings.chunk_tokens, rt.provider.max_input_tokens)
        chunks = await asyncio.to_thread(chunk_pages, extracted.pages, max_tokens, rt.provider.count_tokens)
        if not chunks:
            raise ExtractionError("no extractable text (scanned? OCR is not supported)")
        vectors = await _embed_chunks(rt, doc, chunks, on_queued=preparing.finish)
    page_numbers = [page.number for page in extracted.pages if page.number is not None]
    return ReadyResult(
        chunks=chunks,
        vectors=vectors,
        model=rt.provider.model,
        page_count=max(page_numbers) if page_numbers else None,
        file_title=extracted.title,
    )


class _Preparing:
    """Counts the document in `rt.preparing` from claim until its texts are queued in the embedder.

    While any document is preparing, the embedder keeps part-full batches a
    little longer because more texts are on their way.
    """

    def __init__(self, rt: WorkerRuntime) -> None:
        self._rt = rt
        self._counted = False

    def __enter__(self) -> _Preparing:
        self._rt.preparing += 1
        self._counted = True
        return self

    def finish(self) -> None:
        if self._counted:
            self._rt.preparing -= 1
            self._counted = False

    def __exit__(self, *exc_info: object) -> None:
        self.finish()


async def _embed_chunks(
    rt: WorkerRuntime, doc: Document, chunks: list[Chunk], on_queued: Callable[[], None]
) -> npt.NDArray[np.float32]:
    """Embed the chunks, taking vectors already cached for this model from the cache."""
    digests = [text_hash(chunk.text) for chunk in chunks]
    found = await rt.call(cache.lookup, rt.provider.model, digests)
    missing = [i for i, digest in enumerate(digests) if digest not in found]
    progress = _Progress(rt, doc.id, total=len(chunks), done=len(chunks) - len(missing))
    await progress.report(force=True)

    async def embed_slice(indices: list[int]) -> None:
        vectors = await rt.embedder.embed([chunks[i].text for i in indices])
        for row, i in zip(vectors, indices, strict=True):
            found[digests[i]] = row
        progress.done += len(indices)
        await progress.report()

    slices = [missing[start : start + _SLICE] for start in range(0, len(missing), _SLICE)]
    pending = [asyncio.ensure_future(embed_slice(part)) for part in slices]
    # One loop turn lets every slice reach the embedder's queue.
    await asyncio.sleep(0)
    on_queued()
    try:
        await asyncio.gather(*pending)
    finally:
        for task in pending:
            task.cancel()
    return np.vstack([found[digest] for digest in digests]).astype(np.float32)


class _Progress:
    """Throttled progress writes, so a large document does not write a row per batch."""

    def __init__(self, rt: WorkerRuntime, doc_id: str, total: int, done: int) -> None:
        self.rt, self.doc_id, self.total, self.done = rt, doc_id, total, done
        self._last = 0.0

    async def report(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < _PROGRESS_INTERVAL_SECONDS and self.done < self.total:
            return
        self._last = now
        await self.rt.call(queue.set_progress, self.doc_id, self.rt.worker_id, Stage.EMBEDDING, self.done, self.total)
        self.rt.emit(DocumentChanged(self.doc_id))


async def _record_failure(rt: WorkerRuntime, doc: Document, error: Exception) -> None:
    failure = classify(error)
    reason = one_line(redact(failure.reason, rt.secrets))
    if failure.kind is FailureKind.PERMANENT:
        log.warning("%s (%s) failed for good: %s", doc.id, doc.filename, reason)
        await rt.call(queue.mark_error, doc.id, rt.worker_id, reason)
    elif failure.kind is FailureKind.PAUSE:
        assert failure.pause_reason is not None
        probe_at = await record_unavailable(rt, failure.pause_reason, reason)
        message = f"waiting for the provider ({failure.pause_reason.value}): {reason}"
        await rt.call(
            queue.return_to_queue, doc.id, rt.worker_id, reason=message, next_retry_at=probe_at, count_retry=False
        )
    else:
        await _schedule_retry(rt, doc, reason)


async def _schedule_retry(rt: WorkerRuntime, doc: Document, reason: str) -> None:
    attempt = doc.retry_count + 1
    if retries_exhausted(attempt, rt.settings.max_retries):
        final = f"{reason} (gave up after {rt.settings.max_retries} retries)"
        log.warning("%s (%s) failed after %d retries: %s", doc.id, doc.filename, rt.settings.max_retries, reason)
        await rt.call(queue.mark_error, doc.id, rt.worker_id, final)
        return
    delay = document_retry_delay(attempt, rt.settings.retry_base_seconds)
    log.info("%s: attempt failed (%s); retry %d in %.1f s", doc.id, reason, attempt, delay)
    await rt.call(
        queue.return_to_queue,
        doc.id,
        rt.worker_id,
        reason=reason,
        next_retry_at=now_ms() + int(delay * 1000),
        count_retry=True,
    )
