"""The watched folder, with real files in tmp_path and the real watchfiles watcher."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiosqlite
import pytest

from docdesk.core.intake.add import add_file
from docdesk.core.intake.filetypes import MIME_BY_EXTENSION
from docdesk.core.intake.watch import (
    FolderWatcher,
    WatchAdded,
    WatchEvent,
    WatchFolderError,
    WatchRejected,
    WatchRequeued,
)
from docdesk.core.intake.watch_intake import WatchIntake, describe_os_error
from docdesk.core.intake.watch_stability import StableFile, read_signature
from docdesk.core.models import Document, Status
from docdesk.core.settings import Settings
from docdesk.core.store import queue
from docdesk.core.store.documents import get_document, list_documents
from tests.cli_runner import REPO_ROOT, cli_env

STABLE = 0.4
POLL = 0.05
TIMEOUT = 6.0


@dataclass
class Recorder:
    """Events from one watcher, with the monotonic time each arrived."""

    events: list[WatchEvent] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def __call__(self, event: WatchEvent) -> None:
        self.events.append(event)
        self.times.append(time.monotonic())

    def for_path(self, path: Path) -> list[WatchEvent]:
        return [event for event in self.events if event.path == path]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    watched = tmp_path / "inbox"
    watched.mkdir()
    return watched.resolve()


@asynccontextmanager
async def watching(settings: Settings, folder: Path, stable: float = STABLE) -> AsyncIterator[Recorder]:
    recorder = Recorder()
    stop = asyncio.Event()
    watcher = FolderWatcher(settings, folder, recorder, stable_seconds=stable, poll_seconds=POLL)
    task = asyncio.create_task(watcher.run(stop))
    try:
        yield recorder
    finally:
        stop.set()
        await asyncio.wait_for(task, TIMEOUT)


async def wait_until(condition: Callable[[], bool], description: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {description}")
        await asyncio.sleep(POLL)


async def drop_sentinel(folder: Path, recorder: Recorder) -> None:
    """Add a fresh file and wait for it, by which time files changed earlier have settled."""
    sentinel = folder / f"sentinel-{time.monotonic_ns()}.txt"
    sentinel.write_text(f"sentinel {sentinel.name}\n")
    await wait_until(lambda: bool(recorder.for_path(sentinel)), f"the sentinel {sentinel.name}")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def documents_from(db: aiosqlite.Connection, path: Path) -> list[Document]:
    return [doc for doc in await list_documents(db) if doc.source_path == str(path)]


async def test_scan_adds_existing_files(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    (folder / "sub").mkdir()
    waiting = folder / "sub" / "notes.md"
    waiting.write_text("# Cells\nMitochondria make ATP.\n")
    stored = folder / "stored.txt"
    stored.write_text("already in docdesk\n")
    await add_file(db, stored, storage_dir=settings.resolved_storage_dir, user_id=settings.resolved_user_id)

    async with watching(settings, folder) as recorder:
        await wait_until(lambda: bool(recorder.for_path(waiting)), "the scanned file")
        await drop_sentinel(folder, recorder)

    event = recorder.for_path(waiting)[0]
    assert isinstance(event, WatchAdded)
    assert event.created
    document = await get_document(db, event.doc_id)
    assert document is not None
    assert document.source_path == str(waiting)
    assert recorder.for_path(stored) == []
    assert len(await list_documents(db)) == 3


async def test_added_once_when_stable(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    path = folder / "lecture.txt"
    pieces = [f"part {n}: ".encode() + b"x" * 4096 + b"\n" for n in range(4)]

    async with watching(settings, folder) as recorder:
        with path.open("wb") as handle:
            for piece in pieces:
                handle.write(piece)
                handle.flush()
                # Longer than the poll, shorter than the stability period.
                await asyncio.sleep(STABLE / 2)
        last_write = time.monotonic()
        await wait_until(lambda: bool(recorder.for_path(path)), "the written file")
        await drop_sentinel(folder, recorder)

    events = recorder.for_path(path)
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, WatchAdded)
    assert recorder.times[recorder.events.index(event)] >= last_write
    document = await get_document(db, event.doc_id)
    assert document is not None
    assert document.content_hash == sha256(b"".join(pieces))
    assert document.size == sum(len(piece) for piece in pieces)


async def test_rename_not_added_again(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    original = folder / "draft.txt"
    original.write_text("photosynthesis\n")

    async with watching(settings, folder) as recorder:
        await wait_until(lambda: bool(recorder.for_path(original)), "the original file")
        renamed = folder / "final.txt"
        original.rename(renamed)
        await drop_sentinel(folder, recorder)

    assert recorder.for_path(renamed) == []
    assert len(await list_documents(db)) == 2


async def test_unchanged_save_not_added(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    path = folder / "notes.txt"
    path.write_text("same words\n")

    async with watching(settings, folder) as recorder:
        await wait_until(lambda: bool(recorder.for_path(path)), "the first save")
        await asyncio.sleep(0.01)
        path.write_text("same words\n")
        await drop_sentinel(folder, recorder)

    assert len(recorder.for_path(path)) == 1
    assert len(await documents_from(db, path)) == 1


async def test_changed_content_requeues(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    path = folder / "essay.txt"
    path.write_text("first version\n")

    async with watching(settings, folder) as recorder:
        await wait_until(lambda: bool(recorder.for_path(path)), "the first version")
        doc_id = recorder.for_path(path)[0]
        assert isinstance(doc_id, WatchAdded)
        claimed = await queue.claim_next(db, "test-worker", 60_000)
        assert claimed is not None
        await queue.mark_error(db, claimed.id, "test-worker", "made up failure")

        path.write_text("second version, longer\n")
        await wait_until(lambda: len(recorder.for_path(path)) >= 2, "the re-queue")
        await drop_sentinel(folder, recorder)

    assert len(recorder.for_path(path)) == 2
    event = recorder.for_path(path)[1]
    assert isinstance(event, WatchRequeued)
    assert event.doc_id == doc_id.doc_id
    document = await get_document(db, event.doc_id)
    assert document is not None
    assert document.status is Status.QUEUED
    assert document.last_error is None
    assert document.content_hash == sha256(b"second version, longer\n")
    assert Path(document.storage_path).read_bytes() == b"second version, longer\n"
    assert len(await list_documents(db)) == 2


async def test_change_to_stored_content(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    first = folder / "a.txt"
    first.write_text("content A\n")
    second = folder / "b.txt"
    second.write_text("content B\n")

    async with watching(settings, folder) as recorder:
        await wait_until(lambda: bool(recorder.for_path(first) and recorder.for_path(second)), "both files")
        second.write_text("content A\n")
        await wait_until(lambda: len(recorder.for_path(second)) >= 2, "the report on b.txt")
        await drop_sentinel(folder, recorder)

    assert len(recorder.for_path(second)) == 2
    added_first = recorder.for_path(first)[0]
    report = recorder.for_path(second)[1]
    assert isinstance(added_first, WatchAdded)
    assert report == WatchAdded(second, added_first.doc_id, created=False)
    assert len(await list_documents(db)) == 3


async def test_ignored_names(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    names = [
        "~$report.docx", ".~lock.report.docx#", "big.pdf.crdownload", "big.pdf.part", "scratch.tmp",
        ".hidden.txt", ".git/notes.txt", "Thumbs.db", "desktop.ini",
    ]
    async with watching(settings, folder) as recorder:
        for name in names:
            path = folder / name
            path.parent.mkdir(exist_ok=True)
            path.write_text(f"text of {name}\n")
        await drop_sentinel(folder, recorder)

    assert len(recorder.events) == 1
    assert len(await list_documents(db)) == 1


async def test_unsupported_reported_once(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    path = folder / "grades.xlsx"

    async with watching(settings, folder) as recorder:
        path.write_bytes(b"PK\x03\x04 not really a spreadsheet")
        await wait_until(lambda: bool(recorder.for_path(path)), "the rejection")
        path.write_bytes(b"PK\x03\x04 not really a spreadsheet")
        os.utime(path)
        await drop_sentinel(folder, recorder)
        after_same_content = len(recorder.for_path(path))
        path.write_bytes(b"PK\x03\x04 other content")
        await wait_until(lambda: len(recorder.for_path(path)) >= 2, "the second rejection")
        await drop_sentinel(folder, recorder)

    assert after_same_content == 1
    events = recorder.for_path(path)
    assert len(events) == 2
    first = events[0]
    assert isinstance(first, WatchRejected)
    assert "unsupported file type" in first.reason
    assert isinstance(events[1], WatchRejected)
    assert await documents_from(db, path) == []


async def test_vanished_file_skipped(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    path = folder / "brief.txt"

    async with watching(settings, folder) as recorder:
        path.write_text("here for a moment\n")
        await asyncio.sleep(STABLE / 2)
        path.unlink()
        await drop_sentinel(folder, recorder)

    assert recorder.for_path(path) == []
    assert len(await list_documents(db)) == 1


async def test_deleted_file_keeps_document(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    path = folder / "kept.txt"
    path.write_text("keep me\n")

    async with watching(settings, folder) as recorder:
        await wait_until(lambda: bool(recorder.for_path(path)), "the file")
        path.unlink()
        await drop_sentinel(folder, recorder)

    assert len(await documents_from(db, path)) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without read permission")
async def test_unreadable_file_rejected(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    path = folder / "locked.txt"
    path.write_text("secret\n")
    path.chmod(0)

    try:
        async with watching(settings, folder) as recorder:
            await wait_until(lambda: bool(recorder.for_path(path)), "the rejection")
            await drop_sentinel(folder, recorder)
    finally:
        path.chmod(0o600)

    events = recorder.for_path(path)
    assert len(events) == 1
    assert isinstance(events[0], WatchRejected)
    assert "permission denied" in events[0].reason


async def test_symlink_loops(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)
    (folder / "sub" / "inner.txt").write_text("inside sub\n")
    looped = folder / "self.txt"
    looped.symlink_to(looped.name)

    async with watching(settings, folder) as recorder:
        await wait_until(lambda: bool(recorder.for_path(looped)), "the link loop rejection")
        (folder / "sub" / "again").symlink_to(folder, target_is_directory=True)
        (folder / "sub" / "later.txt").write_text("written after start\n")
        await drop_sentinel(folder, recorder)

    events = recorder.for_path(looped)
    assert len(events) == 1
    assert isinstance(events[0], WatchRejected)
    assert "symbolic link loop" in events[0].reason
    sources = sorted(doc.source_path or "" for doc in await list_documents(db))
    assert not any("/up/" in source or "/again/" in source for source in sources)
    assert str(folder / "sub" / "later.txt") in sources
    assert len(sources) == 3


async def test_folder_moved_in(settings: Settings, folder: Path, tmp_path: Path, db: aiosqlite.Connection) -> None:
    outside = tmp_path / "unit-3"
    outside.mkdir()
    (outside / "one.txt").write_text("one\n")
    (outside / "two.md").write_text("two\n")

    async with watching(settings, folder) as recorder:
        await asyncio.sleep(STABLE)
        outside.rename(folder / "unit-3")
        await wait_until(lambda: len(recorder.events) >= 2, "both moved files")
        await drop_sentinel(folder, recorder)

    moved = sorted(event.path.name for event in recorder.events if event.path.parent.name == "unit-3")
    assert moved == ["one.txt", "two.md"]
    assert len(recorder.events) == 3


async def test_missing_folder_raises(settings: Settings, tmp_path: Path) -> None:
    watcher = FolderWatcher(settings, tmp_path / "absent", lambda event: None)
    with pytest.raises(WatchFolderError, match="absent"):
        await watcher.run(asyncio.Event())


async def test_stops_promptly(settings: Settings, folder: Path) -> None:
    stop = asyncio.Event()
    watcher = FolderWatcher(settings, folder, lambda event: None)
    task = asyncio.create_task(watcher.run(stop))
    await asyncio.sleep(0.5)
    started = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, TIMEOUT)
    assert time.monotonic() - started < 1.0


async def test_race_with_cli_add(
    settings: Settings, folder: Path, tmp_path: Path, db: aiosqlite.Connection
) -> None:
    count = 600
    contents = [f"shared file {n}\n".encode() * 50 for n in range(count)]
    outside = tmp_path / "outside"
    outside.mkdir()
    for n, content in enumerate(contents):
        (outside / f"file-{n:03}.txt").write_bytes(content)
    env = cli_env(tmp_path, PYTHONUNBUFFERED="1")
    assert env["DOCDESK_USER"] == settings.resolved_user_id

    async with watching(settings, folder, stable=0.1) as recorder:
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "docdesk", "--db", str(settings.resolved_db_path), "add", str(outside),
            env=env, cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        assert cli.stdout is not None
        first_line = await asyncio.wait_for(cli.stdout.readline(), 60)
        # The command line adds the contents in ascending order. The watcher takes paths in
        # sorted order, so copies named in reverse make the two meet partway through.
        for n, content in enumerate(contents):
            (folder / f"copy-{count - 1 - n:03}.txt").write_bytes(content)
        rest, stderr = await asyncio.wait_for(cli.communicate(), 60)
        await drop_sentinel(folder, recorder)

    assert cli.returncode == 0, stderr.decode()
    documents = await list_documents(db)
    hashes = [doc.content_hash for doc in documents]
    assert len(hashes) == len(set(hashes))
    assert set(hashes) >= {sha256(content) for content in contents}
    cli_created = (first_line + rest).decode().count("queued\t")
    watcher_created = sum(1 for event in recorder.events if isinstance(event, WatchAdded) and event.created)
    assert cli_created + watcher_created == len(documents)
    assert cli_created > 0
    assert watcher_created > 1, "the command line added every file before the watcher started"


async def test_own_database_ignored(settings: Settings, tmp_path: Path, db: aiosqlite.Connection) -> None:
    folder = tmp_path.resolve()
    assert settings.resolved_db_path.resolve().parent.parent == folder
    path = folder / "notes.txt"

    async with watching(settings, folder) as recorder:
        path.write_text("stored under the watched folder\n")
        await wait_until(lambda: bool(recorder.for_path(path)), "the file")
        await drop_sentinel(folder, recorder)

    assert all(isinstance(event, WatchAdded) for event in recorder.events)
    assert len(recorder.events) == 2


async def test_pipe_skipped(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    pipe = folder / "pipe.txt"
    os.mkfifo(pipe)

    async with watching(settings, folder) as recorder:
        await drop_sentinel(folder, recorder)

    assert recorder.for_path(pipe) == []


async def test_folder_removed_and_back(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    async with watching(settings, folder) as recorder:
        await drop_sentinel(folder, recorder)
        shutil.rmtree(folder)
        await asyncio.sleep(STABLE)
        folder.mkdir()
        path = folder / "after.txt"
        path.write_text("written into the new folder\n")
        await wait_until(lambda: bool(recorder.for_path(path)), "the file in the new folder")

    assert len(await list_documents(db)) == 2


def test_permission_reason() -> None:
    error = PermissionError(errno.EACCES, "Permission denied")
    reason = describe_os_error(Path("/inbox/locked.pdf"), error)
    assert reason == "locked.pdf: permission denied; make the file readable and save it again"


async def test_same_signature_not_reread(settings: Settings, folder: Path, db: aiosqlite.Connection) -> None:
    recorder = Recorder()
    intake = WatchIntake(
        db, storage_dir=settings.resolved_storage_dir, user_id=settings.resolved_user_id, on_event=recorder
    )
    path = folder / "notes.txt"
    path.write_text("version 1\n")
    signature = read_signature(path)
    assert signature is not None
    await intake.process(StableFile(path, signature, from_scan=False))

    # Same size and mtime with other bytes: only a re-read would notice the change.
    path.write_text("version 2\n")
    os.utime(path, ns=(signature.mtime_ns, signature.mtime_ns))
    await intake.process(StableFile(path, signature, from_scan=False))
    assert len(recorder.events) == 1

    os.utime(path, ns=(signature.mtime_ns + 1, signature.mtime_ns + 1))
    newer = read_signature(path)
    assert newer is not None
    await intake.process(StableFile(path, newer, from_scan=False))
    assert len(recorder.events) == 2
    assert isinstance(recorder.events[1], WatchRequeued)


async def test_corpus_files_added(
    settings: Settings, folder: Path, corpus: Path, db: aiosqlite.Connection
) -> None:
    sources = [corpus / "pdf" / "google-doc-document.pdf", corpus / "docx" / "blk-paras-and-tables.docx"]

    async with watching(settings, folder) as recorder:
        for source in sources:
            shutil.copyfile(source, folder / source.name)
        await wait_until(lambda: len(recorder.events) >= 2, "both corpus files")
        await drop_sentinel(folder, recorder)

    assert len(recorder.events) == 3
    for source in sources:
        added = await documents_from(db, folder / source.name)
        assert len(added) == 1
        assert added[0].content_hash == sha256(source.read_bytes())
        assert added[0].mime == MIME_BY_EXTENSION[source.suffix]
