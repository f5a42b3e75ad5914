"""An OpenAI-compatible embeddings server on 127.0.0.1 with fault injection and rate limits."""

from __future__ import annotations

import json
import logging
import math
import select
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from .embedding import DEFAULT_DIMENSIONS, count_tokens
from .faults import QUOTA_MESSAGE, Fault, FaultKind, FaultPlan
from .protocol import (
    EmbeddingRequest,
    InvalidRequest,
    Reply,
    embedding_payload,
    error_reply,
    parse_request,
)
from .rate_limits import RateLimits, TokenBucket

logger = logging.getLogger(__name__)

ENDPOINT = "/v1/embeddings"


@dataclass(frozen=True, slots=True)
class ServerStats:
    """A snapshot of what the server has seen since it started or `reset_stats()`."""

    requests: int
    # Status of each finished request in arrival order, with 0 for a reset connection.
    statuses: tuple[int, ...]
    # time.monotonic() at the arrival of each request.
    timestamps: tuple[float, ...]
    # Successful embeddings per input text: a 200 reply with correct vectors was written.
    embedded: Counter[str]

    def status_count(self, status: int) -> int:
        return self.statuses.count(status)

    @property
    def embedded_twice(self) -> list[str]:
        """Texts that were embedded successfully more than once."""
        return [text for text, count in self.embedded.items() if count > 1]


class FakeOpenAIServer:
    """OpenAI's POST /v1/embeddings, served from a background thread.

    Use it as a context manager, or call start() and stop(). Every setter is
    thread-safe and takes effect on the next request. Unlike the real API, the 401
    message repeats the full key that was sent, so tests can check that a client
    redacts it.
    """

    def __init__(
        self,
        *,
        api_key: str | None = "test-key",
        dimensions: int = DEFAULT_DIMENSIONS,
        max_input_tokens: int = 8191,
        max_batch_inputs: int = 2048,
        max_batch_tokens: int = 300_000,
        requests_per_minute: int | None = None,
        tokens_per_minute: int | None = None,
        seed: int = 0,
    ) -> None:
        self.api_key = api_key  # None accepts any key
        # The API does not promise index order, so clients must sort. This setting tests that.
        self.reverse_order = False
        self.dimensions = dimensions
        self.max_input_tokens = max_input_tokens
        self.max_batch_inputs = max_batch_inputs
        self.max_batch_tokens = max_batch_tokens
        self.faults = FaultPlan(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._limits = RateLimits()
        self.set_rate_limits(requests_per_minute, tokens_per_minute)
        self._quota_deadline = -math.inf
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset_stats()

    # Lifecycle

    def start(self) -> FakeOpenAIServer:
        if self._httpd is not None:
            raise RuntimeError("the fake OpenAI server is already running")
        self._stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler, self)
        # A short poll interval makes stop() quick: shutdown() waits for one poll.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), name="fake-openai", daemon=True)
        self._thread.start()
        logger.debug("fake OpenAI server listening at %s", self.base_url)
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        # Wakes handlers sleeping in a delay fault, then closes kept-alive connections.
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            _close_quietly(connection)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the fake OpenAI server is not running; call start() first")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """Base URL for the OpenAI SDK, like "http://127.0.0.1:PORT/v1"."""
        return f"http://127.0.0.1:{self.port}/v1"

    # Behaviour changes

    def inject(self, *faults: Fault | None) -> None:
        """Queue faults for the next requests in order. A None lets one request through."""
        self.faults.inject(*faults)

    def set_fault_rate(self, fault: Fault, probability: float) -> None:
        self.faults.set_rate(fault, probability)

    def clear_faults(self) -> None:
        self.faults.clear()

    def exhaust_quota(self, seconds: float | None = None) -> None:
        """Return 429 insufficient_quota for `seconds`, or until restore_quota() when None."""
        deadline = math.inf if seconds is None else time.monotonic() + seconds
        with self._lock:
            self._quota_deadline = deadline

    def restore_quota(self) -> None:
        with self._lock:
            self._quota_deadline = -math.inf

    def set_rate_limits(self, requests_per_minute: int | None = None, tokens_per_minute: int | None = None) -> None:
        """Replace both per-minute limits with full buckets. None removes a limit."""
        requests = TokenBucket(requests_per_minute) if requests_per_minute else None
        tokens = TokenBucket(tokens_per_minute) if tokens_per_minute else None
        with self._lock:
            self._limits = RateLimits(requests, tokens)

    # Records

    def reset_stats(self) -> None:
        with self._lock:
            self._statuses: list[int] = []
            self._timestamps: list[float] = []
            self._embedded: Counter[str] = Counter()

    def stats(self) -> ServerStats:
        with self._lock:
            return ServerStats(
                requests=len(self._timestamps),
                statuses=tuple(self._statuses),
                timestamps=tuple(self._timestamps),
                embedded=Counter(self._embedded),
            )

    # Request handling, called from handler threads

    def _record_arrival(self) -> None:
        with self._lock:
            self._timestamps.append(time.monotonic())

    def _record_reply(self, reply: Reply, delivered: bool) -> None:
        with self._lock:
            self._statuses.append(0 if reply.reset else reply.status)
            if delivered:
                self._embedded.update(reply.embedded)

    def _forget_embedded(self, texts: list[str]) -> None:
        with self._lock:
            self._embedded.subtract(texts)
            self._embedded += Counter()  # drops the counts that fell to zero

    def _rate_limit_headers(self) -> list[tuple[str, str]]:
        with self._lock:
            return self._limits.headers()

    def _track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _reply_to(self, path: str, authorization: str | None, body: bytes) -> Reply:
        fault = self.faults.next_fault()
        if fault is not None and fault.kind is FaultKind.DELAY:
            self._stopping.wait(fault.seconds)
            fault = None
        if fault is not None and fault.kind is FaultKind.HTTP_ERROR:
            return error_reply(
                fault.status,
                fault.message,
                error_type=fault.error_type,
                code=fault.code,
                headers=list(fault.headers),
            )
        if fault is not None and fault.kind is FaultKind.RESET:
            return Reply(200, reset=True)
        if path.rstrip("/") != ENDPOINT:
            return error_reply(404, f"Invalid URL (POST {path})")
        rejection = self._check_access(authorization)
        if rejection is not None:
            return rejection
        try:
            request = parse_request(body, max_dimensions=self.dimensions, max_inputs=self.max_batch_inputs)
            token_counts = self._count_tokens(request)
        except InvalidRequest as exc:
            return error_reply(400, str(exc))
        return self._embed(request, token_counts, fault)

    def _check_access(self, authorization: str | None) -> Reply | None:
        if self.api_key is not None:
            if not authorization or not authorization.startswith("Bearer "):
                return error_reply(401, "You didn't provide an API key in an Authorization header.")
            sent_key = authorization.removeprefix("Bearer ")
            if sent_key != self.api_key:
                return error_reply(401, f"Incorrect API key provided: {sent_key}.", code="invalid_api_key")
        with self._lock:
            quota_exhausted = time.monotonic() < self._quota_deadline
        if quota_exhausted:
            return error_reply(429, QUOTA_MESSAGE, error_type="insufficient_quota", code="insufficient_quota")
        return None

    def _count_tokens(self, request: EmbeddingRequest) -> list[int]:
        counts = [count_tokens(text) for text in request.texts]
        for count in counts:
            if count > self.max_input_tokens:
                raise InvalidRequest(
                    f"This model's maximum context length is {self.max_input_tokens} tokens, "
                    f"however you requested {count} tokens. Please reduce your prompt."
                )
        if sum(counts) > self.max_batch_tokens:
            raise InvalidRequest(f"Requested {sum(counts)} tokens, max {self.max_batch_tokens} tokens per request.")
        return counts

    def _embed(self, request: EmbeddingRequest, token_counts: list[int], fault: Fault | None) -> Reply:
        with self._lock:
            allowed = self._limits.try_take(sum(token_counts))
        if not allowed:
            return error_reply(
                429,
                f"Rate limit reached for {request.model} on requests or tokens per minute.",
                error_type="requests",
                code="rate_limit_exceeded",
            )
        kind = fault.kind if fault is not None else None
        if kind is FaultKind.MALFORMED_JSON:
            return Reply(200, b'{"object": "list", "data": [{"object": "embedding", "ind')
        dimensions = request.dimensions // 2 if kind is FaultKind.WRONG_DIMENSION else None
        payload = embedding_payload(request, token_counts, dimensions)
        if kind is FaultKind.WRONG_COUNT:
            payload["data"] = payload["data"][:-1]
        if self.reverse_order:
            payload["data"].reverse()
        embedded = [] if kind is not None else list(request.texts)
        return Reply(200, json.dumps(payload).encode(), embedded=embedded)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        fake: FakeOpenAIServer,
    ) -> None:
        self.fake = fake
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive between requests, as the SDK's pool expects.
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, True)

    def finish(self) -> None:
        self.server.fake._track(self.connection, False)
        super().finish()

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("fake OpenAI server: " + format, *args)

    def do_POST(self) -> None:
        fake = self.server.fake
        fake._record_arrival()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        reply = fake._reply_to(self.path, self.headers.get("Authorization"), body)
        if reply.reset:
            fake._record_reply(reply, delivered=False)
            self._reset_midway()
            return
        if self._client_gone():
            fake._record_reply(reply, delivered=False)
            self.close_connection = True
            return
        # The reply is recorded before it is written, so a client that has read it
        # also finds it in the stats. A write that fails takes the texts back out.
        fake._record_reply(reply, delivered=True)
        if not self._write(reply, fake._rate_limit_headers()):
            fake._forget_embedded(reply.embedded)

    def _write(self, reply: Reply, rate_limit_headers: list[tuple[str, str]]) -> bool:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in [*rate_limit_headers, *reply.headers]:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return False
        return True

    def _client_gone(self) -> bool:
        # A client that timed out during a delay fault has closed its end, so the
        # socket reads as end-of-file. Its texts must not count as embedded.
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            peeked: bytes = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True
        return peeked == b""

    def _reset_midway(self) -> None:
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: 4096\r\n\r\n"
            b'{"object": "list", "data": [{"object": "emb'
        )
        self.wfile.flush()
        # A zero linger time makes close() send a TCP reset instead of a clean FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


def _close_quietly(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()
