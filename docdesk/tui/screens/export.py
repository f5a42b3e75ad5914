"""Export options: which ticked documents go out, and the output path (Markdown)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from docdesk.core.models import Document
from docdesk.tui.formatting import display_title

_LISTED = 5


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


class ExportScreen(ModalScreen[Path | None]):
    """Returns the chosen output path, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "export", "Export"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, documents: list[Document], default_path: Path) -> None:
        super().__init__()
        self._documents = documents
        self._default_path = default_path

    def compose(self) -> ComposeResult:
        count = len(self._documents)
        names = [f"  • {display_title(d)}" for d in self._documents[:_LISTED]]
        if count > _LISTED:
            names.append(f"  … and {count - _LISTED} more")
        with Vertical(classes="dialog"):
            yield Label(f"Export {count} ticked document{'s' if count != 1 else ''} as Markdown",
                        classes="dialog-title")
            yield Label("\n".join(names), classes="dialog-text", markup=False)
            yield Label("Output file (an existing file is replaced)")
            yield Input(str(self._default_path), id="output")
            yield Label("", id="output-problem", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export (ctrl+s)", variant="primary", id="export")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#output", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export":
            self.action_export()
        else:
            self.action_cancel()

    def action_export(self) -> None:
        raw = self.query_one("#output", Input).value
        problem = output_problem(raw)
        if problem is not None:
            self.query_one("#output-problem", Label).update(problem)
            return
        self.dismiss(Path(raw.strip()).expanduser())

    def action_cancel(self) -> None:
        self.dismiss(None)
