"""Starting docdesk commands and the app as subprocesses, and crashing them with SIGKILL."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

from tests.cli_runner import REPO_ROOT, cli_env
from tests.support.fake_openai import FakeOpenAIServer


def worker_env(tmp_path: Path, server: FakeOpenAIServer, api_key: str, **extra: str) -> dict[str, str]:
    """Environment for `docdesk` subprocesses on the fake server, with test-sized timings."""
    settings = {
        "DOCDESK_PROVIDER": "openai",
        "OPENAI_API_KEY": api_key,
        "OPENAI_BASE_URL": server.base_url,
        "DOCDESK_LEASE_SECONDS": "1.5",
        "DOCDESK_RETRY_BASE_SECONDS": "0.1",
        "DOCDESK_PAUSE_BASE_SECONDS": "0.3",
        "DOCDESK_PAUSE_MAX_SECONDS": "1.0",
        "DOCDESK_POLL_SECONDS": "0.1",
        "DOCDESK_REQUEST_TIMEOUT": "5",
        "DOCDESK_EXTRACTION_WORKERS": "1",
    }
    settings.update(extra)
    return cli_env(tmp_path, **settings)


def start_docdesk(env: dict[str, str], log_file: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start `python -m docdesk ARGS` in its own session, with stdout and stderr in `log_file`.

    Its own session lets `crash` find the extraction processes it leaves behind.
    """
    with log_file.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "docdesk", *args],
            env=env, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=output, stderr=output,
            start_new_session=True,
        )


def crash(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process, then the helper processes of its session.

    Only the main process is the simulated crash. Its orphaned extraction process
    would finish the file in hand and exit by itself, but killing it keeps the CPU
    free for the next round.
    """
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class PtyApp:
    """The terminal app (`python -m docdesk`) running on a pseudo-terminal, its screen output collected."""

    def __init__(self, env: dict[str, str], columns: int = 120, rows: int = 40) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self._master = master
        self.process = subprocess.Popen(
            [sys.executable, "-m", "docdesk"],
            env={**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)},
            cwd=REPO_ROOT, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
        )
        os.close(slave)
        self._output = bytearray()
        self._lock = threading.Lock()
        # The app blocks once the pty buffer is full, so its output is read all the time.
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self._output.extend(data)

    @property
    def output(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    def running(self) -> bool:
        return self.process.poll() is None

    def crash(self) -> None:
        crash(self.process)
        self._close()

    def _close(self) -> None:
        try:
            os.close(self._master)
        except OSError:
            pass
        self._reader.join(timeout=5)


def wait_until(condition: object, timeout: float, interval: float = 0.05) -> bool:
    """Poll `condition()` until it is true or `timeout` seconds pass, and return its last value."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
