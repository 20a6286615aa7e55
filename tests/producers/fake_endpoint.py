"""A local HTTP endpoint that records what an SDK sends it and answers like the real service would."""

from __future__ import annotations

import gzip
import http.server
import json
import socket
import threading
import zlib
from dataclasses import dataclass
from typing import Any

# What LangSmith's /info returns, minus everything the client does not need. The explicit
# batch ingest config makes the client send the documented {post, patch} JSON to /runs/batch
# instead of multipart parts.
LANGSMITH_INFO = {
    "version": "0.0.0-test",
    "batch_ingest_config": {
        "use_multipart_endpoint": False,
        "size_limit": 100,
        "size_limit_bytes": 20_971_520,
        "scale_up_qsize_trigger": 1000,
        "scale_up_nthreads_limit": 16,
        "scale_down_nempty_trigger": 4,
    },
}


@dataclass(slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeEndpoint:
    """Records every request; ``GET /info`` gets ``LANGSMITH_INFO``, everything else ``{}``."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # Without it every keep-alive request waits ~40 ms for a delayed ACK.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                with endpoint._lock:
                    endpoint.requests.append(Request(self.command, self.path, dict(self.headers), body))

            def _reply(self, payload: Any) -> None:
                body = json.dumps(payload).encode()
                head = (
                    f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode()
                self.wfile.write(head + body)  # headers and body in one write (see TCP_NODELAY)

            def do_GET(self) -> None:
                self._record()
                self._reply(LANGSMITH_INFO if self.path.startswith("/info") else {})

            def do_POST(self) -> None:
                self._record()
                self._reply({"successes": [], "errors": []} if "ingestion" in self.path else {})

            do_PATCH = do_POST
            do_PUT = do_POST

        return Handler

    def posted(self, path_part: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.method != "GET" and path_part in r.path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
