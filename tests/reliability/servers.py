"""The fake OpenAI server with paired reply records, and a TCP forwarder for a server that starts late."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from dataclasses import dataclass

from tests.support.fake_openai import FakeOpenAIServer
from tests.support.fake_openai.protocol import Reply


@dataclass(frozen=True, slots=True)
class ReplyRecord:
    """When a request arrived (time.monotonic()) and the status it got; 0 for a reset connection."""

    arrived: float
    status: int


class RecordingServer(FakeOpenAIServer):
    """FakeOpenAIServer that also pairs each request's arrival time with its reply status.

    ServerStats keeps arrival times and statuses in two lists whose orders differ when
    requests overlap, so timing the requests that got one status needs this pairing.
    """

    def __init__(self, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self._records_lock = threading.Lock()
        self._records: list[ReplyRecord] = []

    def _reply_to(self, path: str, authorization: str | None, body: bytes) -> Reply:
        arrived = time.monotonic()
        reply = super()._reply_to(path, authorization, body)
        with self._records_lock:
            self._records.append(ReplyRecord(arrived, 0 if reply.reset else reply.status))
        return reply

    def records(self) -> list[ReplyRecord]:
        """Return every reply so far, ordered by arrival."""
        with self._records_lock:
            return sorted(self._records, key=lambda record: record.arrived)

    def arrivals(self, status: int) -> list[float]:
        """Return the arrival times of the requests whose reply had `status`."""
        return [record.arrived for record in self.records() if record.status == status]

    def first_arrival_after(self, moment: float) -> float | None:
        later = [record.arrived for record in self.records() if record.arrived > moment]
        return later[0] if later else None


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class TcpForwarder:
    """Forwarder from 127.0.0.1:`port` to 127.0.0.1:`target_port`, one pipe per connection.

    It lets a test point a client at a closed port first and open the port later,
    because the fake server itself always binds a fresh port.
    """

    def __init__(self, port: int, target_port: int) -> None:
        self.port = port
        self.target_port = target_port
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()
        self._server = None

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers.update((client_writer, upstream_writer))
        try:
            await asyncio.gather(
                _pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer)
            )
        finally:
            self._writers.difference_update((client_writer, upstream_writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, OSError):
            writer.close()
