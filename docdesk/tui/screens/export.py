"""The export dialog: the ticked documents, query, token budget, format, output path and a live preview.

Previews and the final write run on thread workers through an ExportSession, which
owns the dialog's database connection and embedding provider until the dialog closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from docdesk.core.errors import DocdeskError
from docdesk.core.export import DEFAULT_MAX_TOKENS, ExportFormat, ExportRequest
from docdesk.core.export import ExportResult as BuiltExport
from docdesk.core.models import Document
from docdesk.core.providers.errors import ProviderError
from docdesk.tui.export_adapter import ExportResult, ExportSession
from docdesk.tui.formatting import display_title

_LISTED = 3
PREVIEW_DELAY_SECONDS = 0.4
PREVIEW_GROUP = "export-preview"
COPY_GROUP = "export-copy"
WRITE_GROUP = "export-write"
_SUFFIXES = {ExportFormat.MARKDOWN: ".md", ExportFormat.JSON: ".json"}


def output_problem(raw: str) -> str | None:
    """Return why `raw` cannot be written to, or None when it can be tried."""
    if not raw.strip():
        return "Enter an output file path."
    path = Path(raw.strip()).expanduser()
    if path.is_dir():
        return f"{path} is a folder. Add a file name, e.g. {path / 'tutor-context.md'}"
    if not path.parent.is_dir():
        return f"Folder {path.parent} does not exist. Create it or choose another path."
    return None


def parse_budget(raw: str) -> tuple[int | None, str | None]:
    """Return (token budget, None), or (None, the reason) when `raw` is not a whole number above 0."""
    text = raw.strip().replace("_", "")
    try:
        budget = int(text)
    except ValueError:
        return None, f"Invalid token budget {raw.strip()!r}: enter a whole number of tokens, e.g. {DEFAULT_MAX_TOKENS}."
    if budget < 1:
        return None, f"Invalid token budget {budget}: it must be at least 1."
    return budget, None


def describe_preview(result: BuiltExport) -> str:
    """Summarise a built export: tokens, passages, what each document contributed, and what was skipped."""
    request = result.request
    documents_used = sum(1 for cut in result.cut if cut.kept)
    lines = [
        f"{result.token_count} of {request.max_tokens} tokens, {len(result.passages)} "
        f"passage{'s' if len(result.passages) != 1 else ''} from {documents_used} of "
        f"{len(result.cut) + len(result.skipped)} documents"
        + (f", ranked by similarity with {result.model}" if result.model else ", in reading order"),
    ]
    for cut in result.cut:
        if cut.complete:
            kept = f"all {cut.total} chunks"
        elif cut.kept == 0:
            kept = f"cut: none of {cut.total} chunks fit"
        else:
            kept = f"cut: {cut.kept} of {cut.total} chunks" + (", the last one cut short" if cut.truncated else "")
        lines.append(f"  • {display_title(cut.document)}: {kept}")
    for skipped in result.skipped:
        lines.append(f"  • {display_title(skipped.document)}: skipped, {skipped.reason}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    """A preview or copy build: the request and its result, or why it failed."""

    request: ExportRequest
    result: BuiltExport | None
    problem: str | None = None


class ExportScreen(ModalScreen[ExportResult | None]):
    """Returns the written export, or None when cancelled. Closes `session` when it closes."""

    BINDINGS = [
        Binding("ctrl+s", "export", "Export"),
        Binding("ctrl+y", "copy", "Copy"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, documents: list[Document], default_path: Path, session: ExportSession) -> None:
        super().__init__()
        self._documents = documents
        self._default_path = default_path
        self._session = session
        self._preview_timer: Timer | None = None
        self.preview: BuildOutcome | None = None

    def compose(self) -> ComposeResult:
        count = len(self._documents)
        names = [f"  • {display_title(d)}" for d in self._documents[:_LISTED]]
        if count > _LISTED:
            names.append(f"  … and {count - _LISTED} more")
        with Vertical(classes="dialog wide", id="export-dialog"):
            yield Label(f"Export {count} ticked document{'s' if count != 1 else ''}", classes="dialog-title")
            yield Label("\n".join(names), classes="dialog-text", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Query", classes="form-label")
                yield Input(placeholder="session topic (optional): ranks passages by similarity",
                            id="query", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Token budget", classes="form-label")
                yield Input(str(DEFAULT_MAX_TOKENS), id="budget", compact=True, type="text")
                yield Label("Format", classes="form-label short")
                yield Select([("Markdown", ExportFormat.MARKDOWN.value), ("JSON", ExportFormat.JSON.value)],
                             value=ExportFormat.MARKDOWN.value, allow_blank=False, id="format", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Output file", classes="form-label")
                yield Input(str(self._default_path), id="output", compact=True)
            yield Label("", id="output-problem", classes="dialog-error", markup=False)
            yield Static("Computing…", id="preview", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export (ctrl+s)", variant="primary", id="export")
                yield Button("Copy (ctrl+y)", id="copy")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#preview", Static).border_title = "Preview"
        self.query_one("#query", Input).focus()
        self._start_preview()

    def on_unmount(self) -> None:
        self._session.close()

    # Inputs

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id in ("query", "budget"):
            self._schedule_preview()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._match_output_suffix()
        self._schedule_preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "export":
            self.action_export()
        elif event.button.id == "copy":
            self.action_copy()
        else:
            self.action_cancel()

    def _match_output_suffix(self) -> None:
        """Give the output file the new format's suffix when it has the other format's suffix."""
        field = self.query_one("#output", Input)
        path = Path(field.value.strip())
        expected_suffix = _SUFFIXES[self._format()]
        if path.suffix in _SUFFIXES.values() and path.suffix != expected_suffix:
            field.value = str(path.with_suffix(expected_suffix))

    def _format(self) -> ExportFormat:
        return ExportFormat(str(self.query_one("#format", Select).value))

    def _request(self) -> ExportRequest | None:
        """Return the request the fields describe, or None after showing why the budget is invalid."""
        budget, problem = parse_budget(self.query_one("#budget", Input).value)
        if budget is None:
            self._show_problem(problem or "")
            return None
        self._show_problem("")
        return self._session.request(self.query_one("#query", Input).value, budget, self._format())

    def _show_problem(self, text: str) -> None:
        self.query_one("#output-problem", Label).update(text)

    # Preview

    def _schedule_preview(self) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_DELAY_SECONDS, self._start_preview)

    def _start_preview(self) -> None:
        request = self._request()
        if request is None:
            self.workers.cancel_group(self, PREVIEW_GROUP)
            self.query_one("#preview", Static).update("Fix the token budget to see a preview.")
            return
        self.query_one("#preview", Static).update("Computing…")
        self.run_worker(lambda: self._build_outcome(request), name="export preview", group=PREVIEW_GROUP,
                        thread=True, exclusive=True, exit_on_error=False)

    def _build_outcome(self, request: ExportRequest) -> BuildOutcome:
        """Thread worker body: build `request`, turning an export or provider failure into its message."""
        worker = get_current_worker()
        try:
            return BuildOutcome(request, self._session.build(request, lambda: worker.is_cancelled))
        except (DocdeskError, ProviderError) as error:
            return BuildOutcome(request, None, str(error))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group not in (PREVIEW_GROUP, COPY_GROUP, WRITE_GROUP):
            return
        # The dialog reports its own workers; the app would otherwise notify each failed preview.
        event.stop()
        if event.state is WorkerState.SUCCESS:
            if worker.group == PREVIEW_GROUP and isinstance(worker.result, BuildOutcome):
                self._show_preview(worker.result)
            elif worker.group == COPY_GROUP and isinstance(worker.result, BuildOutcome):
                self._copy(worker.result)
            elif worker.group == WRITE_GROUP and isinstance(worker.result, ExportResult):
                self.dismiss(worker.result)
        elif event.state is WorkerState.ERROR:
            self._show_failure(worker)

    def _show_preview(self, outcome: BuildOutcome) -> None:
        self.preview = outcome
        text = describe_preview(outcome.result) if outcome.result is not None else f"Cannot export: {outcome.problem}"
        self.query_one("#preview", Static).update(text)

    def _show_failure(self, worker: Worker[object]) -> None:
        error = worker.error
        message = str(error) if isinstance(error, (DocdeskError, ProviderError)) else f"unexpected error: {error!r}"
        if worker.group == WRITE_GROUP:
            self._set_busy(False)
            self._show_problem(f"Export failed: {message}")
        else:
            self.query_one("#preview", Static).update(f"Cannot export: {message}")

    # Actions

    def action_copy(self) -> None:
        request = self._request()
        if request is None:
            return
        if self.preview is not None and self.preview.request == request:
            self._copy(self.preview)
            return
        self.run_worker(lambda: self._build_outcome(request), name="export copy", group=COPY_GROUP,
                        thread=True, exclusive=True, exit_on_error=False)

    def _copy(self, outcome: BuildOutcome) -> None:
        if outcome.result is None:
            self.notify(outcome.problem or "", title="Nothing copied", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(outcome.result.text)
        self.notify(f"Copied {outcome.result.token_count} tokens of {outcome.request.format.value} to the clipboard.",
                    title="Copied", markup=False)

    def action_export(self) -> None:
        request = self._request()
        if request is None:
            return
        raw = self.query_one("#output", Input).value
        problem = output_problem(raw)
        if problem is not None:
            self._show_problem(problem)
            return
        output = Path(raw.strip()).expanduser().resolve()
        self._set_busy(True)

        def write() -> ExportResult:
            worker = get_current_worker()
            return self._session.write(request, output, lambda: worker.is_cancelled)

        self.run_worker(write, name="export", group=WRITE_GROUP, thread=True, exclusive=True, exit_on_error=False)

    def _set_busy(self, busy: bool) -> None:
        self.query_one("#export", Button).disabled = busy
        if busy:
            self._show_problem("Writing…")

    def action_cancel(self) -> None:
        self.dismiss(None)
