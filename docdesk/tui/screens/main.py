"""The main screen: filter row, live document table, status bar, and every action on documents."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from docdesk.core.models import Document, Status
from docdesk.core.providers.factory import describe_provider
from docdesk.core.removal import remove_documents
from docdesk.core.store.documents import failed_ids, requeue, update_metadata
from docdesk.tui import commands
from docdesk.tui.export_adapter import ExportResult, ExportSession
from docdesk.tui.formatting import display_title
from docdesk.tui.intake import add_paths, added_message, duplicates_message, rejected_message
from docdesk.tui.provider_status import derive_status
from docdesk.tui.screens.confirm import ConfirmScreen
from docdesk.tui.screens.detail import DetailScreen
from docdesk.tui.screens.edit_metadata import EditMetadataScreen, MetadataEdit
from docdesk.tui.screens.export import ExportScreen
from docdesk.tui.screens.file_picker import FilePickerScreen
from docdesk.tui.screens.help import HelpScreen
from docdesk.tui.store import Snapshot
from docdesk.tui.throughput import ThroughputMeter, remaining_chunks, seconds_left
from docdesk.tui.widgets.document_table import DocumentTable
from docdesk.tui.widgets.filter_bar import FilterBar
from docdesk.tui.widgets.status_bar import StatusBar, StatusView

if TYPE_CHECKING:
    from docdesk.tui.app import DocdeskApp

# Rows added per step on a large first load. The screen repaints between steps.
_LOAD_BATCH = 1_000
_LISTED = 3


class MainScreen(Screen[None]):
    BINDINGS = [*commands.bindings(), Binding("escape", "focus_table", "Table", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self._snapshot: Snapshot | None = None
        self._meter = ThroughputMeter()
        self._remaining: int | None = None
        self._provider_line = ""

    @property
    def docdesk(self) -> DocdeskApp:
        return cast("DocdeskApp", self.app)

    @property
    def table(self) -> DocumentTable:
        return self.query_one(DocumentTable)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        yield FilterBar(id="filters")
        yield DocumentTable(clock=self.docdesk.clock, max_retries=self.docdesk.settings.max_retries, id="documents")
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._provider_line = describe_provider(self.docdesk.settings)
        self.table.focus()
        self.refresh_status()

    # Live data

    async def show_snapshot(self, snapshot: Snapshot) -> None:
        """Apply one poll to the table, in steps on a large load so the screen keeps painting."""
        changed = snapshot.changed
        unticked: list[Document] = []
        for start in range(0, max(len(changed), 1), _LOAD_BATCH):
            last = start + _LOAD_BATCH >= len(changed)
            present = snapshot.present_ids if last else None
            unticked += self.table.apply(changed[start : start + _LOAD_BATCH], present)
            if not last:
                await asyncio.sleep(0)
        if changed or len(self.table.documents) != len(snapshot.present_ids):
            self.query_one(FilterBar).set_subjects(self.table.subjects)
            self._remaining = remaining_chunks(self.table.documents.values())
        self._snapshot = snapshot
        self._meter.update(snapshot.live_workers, self.docdesk.clock())
        if unticked:
            self._report_unticked(unticked)
        self.refresh_status()

    def refresh_clock(self) -> None:
        self.table.refresh_clock()
        self.refresh_status()

    def refresh_status(self) -> None:
        app, snapshot, now = self.docdesk, self._snapshot, self.docdesk.clock()
        counts = snapshot.counts if snapshot else {}
        host = app.worker_host
        status = derive_status(
            snapshot.provider_states if snapshot else [],
            snapshot.live_workers if snapshot else [],
            now_ms=now,
            unfinished=counts.get(Status.QUEUED, 0) + counts.get(Status.PROCESSING, 0),
            own_provider_key=host.provider_key if host else None,
            own_problem=app.provider_problem,
            own_starting=host is not None and host.running,
        )
        per_minute = self._meter.chunks_per_minute(now)
        view = StatusView(
            provider=self._provider_line,
            status=status,
            now_ms=now,
            counts=counts,
            chunks_per_minute=per_minute,
            seconds_left=seconds_left(self._remaining, per_minute),
            ticked=len(self.table.ticked),
            shown=self.table.row_count,
            watch_dir=app.watch_host.folder if app.watch_host else None,
            watching=app.watch_host.watching if app.watch_host else False,
        )
        self.query_one(StatusBar).show(view)

    def _report_unticked(self, documents: list[Document]) -> None:
        names = ", ".join(f"“{display_title(d)}”" for d in documents[:_LISTED])
        more = f" and {len(documents) - _LISTED} more" if len(documents) > _LISTED else ""
        self.notify(f"{names}{more} left ready (re-queued or removed), so they are no longer ticked for export.",
                    title="Unticked", markup=False)

    # Table events

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_details()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        if event.column_key.value is not None:
            self.table.sort_by(event.column_key.value)

    def on_document_table_tick_requested(self, message: DocumentTable.TickRequested) -> None:
        self._toggle(message.doc_id)

    def on_filter_bar_changed(self, message: FilterBar.Changed) -> None:
        self.table.set_filter(message.filter)
        self.refresh_status()

    # Actions

    def _highlighted(self) -> Document | None:
        document = self.table.highlighted
        if document is None:
            self.notify("No document is highlighted. Add files with a.", severity="warning")
        return document

    def action_toggle_use(self) -> None:
        document = self._highlighted()
        if document is not None:
            self._toggle(document.id)

    def _toggle(self, doc_id: str) -> None:
        refusal = self.table.toggle_tick(doc_id)
        if refusal is not None:
            title = display_title(self.table.documents[doc_id]) if doc_id in self.table.documents else ""
            self.notify(refusal, title=f"Cannot tick {title}", severity="warning", markup=False)
        self.refresh_status()

    def action_details(self) -> None:
        document = self._highlighted()
        if document is not None:
            self.app.push_screen(DetailScreen(document, self.docdesk.settings, self.docdesk.clock()))

    def action_add_files(self) -> None:
        self.app.push_screen(FilePickerScreen(self.docdesk.start_folder), self._add_picked)

    def _add_picked(self, paths: list[Path] | None) -> None:
        if paths:
            self.app.run_worker(self._add(paths), name="adding files", group="intake", exit_on_error=False)

    async def _add(self, paths: list[Path]) -> None:
        outcome = await add_paths(self.docdesk.settings, paths)
        self.table.apply(outcome.added)
        if outcome.added:
            self.notify(added_message(outcome), title="Added", markup=False)
        if outcome.duplicates:
            self.notify(duplicates_message(outcome), title="Already added", markup=False)
        if outcome.rejected:
            self.notify(rejected_message(outcome), title="Not added", severity="warning", timeout=15, markup=False)
        if not (outcome.added or outcome.duplicates or outcome.rejected):
            self.notify("No PDF, DOCX, TXT or MD files were found there.", title="Nothing added", severity="warning")
        self.docdesk.request_refresh()

    def action_edit(self) -> None:
        document = self._highlighted()
        if document is not None:
            self.app.push_screen(EditMetadataScreen(document), partial(self._edited, document))

    def _edited(self, document: Document, edit: MetadataEdit | None) -> None:
        if edit is not None:
            self.app.run_worker(self._save_metadata(document, edit), name="saving metadata", exit_on_error=False)

    async def _save_metadata(self, document: Document, edit: MetadataEdit) -> None:
        # An unchanged title is not sent: sending it would mark it as typed by the user,
        # and the file's own title could no longer replace a title taken from the file name.
        title = edit.title if edit.title.strip() != (document.title or "") else None
        await self.docdesk.store.call(update_metadata, document.id, title=title, subject=edit.subject, grade=edit.grade)
        self.notify(f"Saved “{edit.title or document.filename}”", title="Edited", markup=False)
        self.docdesk.request_refresh()

    def action_retry(self) -> None:
        document = self._highlighted()
        if document is None:
            return
        if document.status is Status.PROCESSING:
            self.notify(f"“{display_title(document)}” is being processed right now.", markup=False)
            return
        self.app.run_worker(self._requeue([document.id], display_title(document)), name="retry", exit_on_error=False)

    def action_retry_failed(self) -> None:
        self.app.run_worker(self._requeue(None, None), name="retry failed", exit_on_error=False)

    async def _requeue(self, doc_ids: list[str] | None, title: str | None) -> None:
        store = self.docdesk.store
        ids = doc_ids if doc_ids is not None else await store.call(failed_ids)
        changed = await store.call(requeue, ids) if ids else 0
        if title is not None:
            self.notify(f"Queued “{title}” to run now." if changed else f"“{title}” could not be queued.",
                        title="Retry", markup=False)
        elif changed:
            self.notify(f"Queued {changed} failed document{'s' if changed != 1 else ''} to run now.", title="Retry")
        else:
            self.notify("No document is in error.", title="Retry")
        self.docdesk.request_refresh()

    def action_remove(self) -> None:
        document = self._highlighted()
        if document is None:
            return
        question = ConfirmScreen(
            "Remove document?",
            f"“{display_title(document)}” ({document.filename}) is deleted from docdesk with its chunks, "
            "vectors and stored copy. The original file is not touched.",
            "Remove",
        )
        self.app.push_screen(question, partial(self._confirmed_remove, document))

    def _confirmed_remove(self, document: Document, confirmed: bool | None) -> None:
        if confirmed:
            self.app.run_worker(self._remove(document), name="remove", exit_on_error=False)

    async def _remove(self, document: Document) -> None:
        removed = await self.docdesk.store.call(remove_documents, [document.id])
        self.table.forget([document.id])
        self.notify(f"Removed “{display_title(document)}”" if removed else "It was already removed.",
                    title="Removed", markup=False)
        self.docdesk.request_refresh()

    def action_export(self) -> None:
        ticked = self.table.ticked_documents()
        if not ticked:
            self.notify("No ready document is ticked. Tick ready documents in the Use column "
                        "(space, or click the cell), then export.", title="Nothing to export", severity="warning")
            return
        default = (Path.cwd() / "tutor-context.md").resolve()
        session = ExportSession(self.docdesk.settings, [d.id for d in ticked])
        self.app.push_screen(ExportScreen(ticked, default, session), self._exported)

    def _exported(self, result: ExportResult | None) -> None:
        if result is not None:
            self.export_done(result)

    def export_done(self, result: ExportResult) -> None:
        noun = "document" if result.documents == 1 else "documents"
        self.notify(f"Wrote {result.documents} {noun}, {result.token_count} estimated tokens, to {result.path}",
                    title="Exported", markup=False)

    def action_filter(self) -> None:
        self.query_one(FilterBar).focus_text()

    def action_focus_table(self) -> None:
        self.table.focus()

    def action_sort(self) -> None:
        self.table.cycle_sort()

    def action_help(self) -> None:
        settings = self.docdesk.settings
        help_screen = HelpScreen(self.docdesk.log_path, settings.resolved_db_path, settings.resolved_storage_dir)
        self.app.push_screen(help_screen)

    async def action_quit(self) -> None:
        await self.docdesk.action_quit()
