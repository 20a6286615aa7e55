"""A loopback HTTP stand-in for the Langfuse and LangSmith APIs, so their SDKs upload and read back
an export offline (127.0.0.1 only; started and stopped by the test).

It keeps what is uploaded and serves it back: Langfuse dataset items (``POST
/api/public/dataset-items``, ``GET /api/public/datasets/<name>``, ``GET /api/public/dataset-items``)
and LangSmith datasets and examples. Every request is recorded (method, path, body); a request it
has no route for answers ``200 {}`` (tracing and run bookkeeping the SDKs send on the side).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

NOW = "2026-12-01T00:00:00.000Z"


class Stub:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.langfuse_items: dict[str, dict[str, Any]] = {}
        self.langsmith_datasets: dict[str, dict[str, Any]] = {}
        self.langsmith_examples: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.url = ""

    # --- Langfuse ------------------------------------------------------------------------------
    def langfuse(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        if method == "POST" and path == "/api/public/dataset-items":
            item = {
                **body,
                "datasetId": f"ds-{body['datasetName']}",
                "status": body.get("status") or "ACTIVE",
                "createdAt": NOW,
                "updatedAt": NOW,
                "mediaReferences": [],
            }
            for key in ("input", "expectedOutput", "metadata"):
                item.setdefault(key, None)
            self.langfuse_items[item["id"]] = item
            return item
        if method == "GET" and path.startswith(("/api/public/datasets/", "/api/public/v2/datasets/")):
            name = unquote(path.rsplit("/datasets/", 1)[1])
            return {
                "id": f"ds-{name}",
                "name": name,
                "metadata": None,
                "projectId": "p",
                "createdAt": NOW,
                "updatedAt": NOW,
            }
        if method == "GET" and path == "/api/public/projects":
            return {"data": [{"id": "p", "name": "reviewdesk-test", "metadata": {}}]}
        if method == "GET" and path == "/api/public/dataset-items":
            name = query.get("datasetName", [""])[0]
            page = int(query.get("page", ["1"])[0])
            items = [i for i in self.langfuse_items.values() if i["datasetName"] == name]
            data = items if page == 1 else []
            return {"data": data, "meta": {"page": page, "limit": 50, "totalItems": len(items), "totalPages": 1}}
        return None

    # --- LangSmith -----------------------------------------------------------------------------
    def langsmith(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        if method == "POST" and path == "/datasets":
            dataset = {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, body["name"])),
                "name": body["name"],
                "description": body.get("description"),
                "data_type": body.get("data_type", "kv"),
                "created_at": NOW,
                "modified_at": NOW,
                "tenant_id": str(uuid.UUID(int=1)),
                "example_count": 0,
            }
            self.langsmith_datasets[dataset["id"]] = dataset
            return dataset
        if method == "GET" and path == "/datasets":
            names = query.get("name", [])
            return [d for d in self.langsmith_datasets.values() if not names or d["name"] in names]
        if method == "GET" and path.startswith("/datasets/"):
            return self.langsmith_datasets.get(path.split("/")[2])
        if method == "POST" and path in ("/examples/bulk", "/v1/platform/examples/bulk"):
            # The SDK's legacy bulk route (the stub announces no multipart flag): a list in, the rows out.
            rows = body if isinstance(body, list) else body.get("examples", [])
            self.langsmith_examples.extend(rows)
            return [{"id": r.get("id")} for r in rows]
        if method == "GET" and path == "/examples":
            wanted = query.get("dataset", [""])[0]
            offset = int(query.get("offset", ["0"])[0])
            found = [
                dict(e, created_at=NOW, modified_at=NOW)
                for e in self.langsmith_examples
                if e.get("dataset_id") == wanted
            ]
            return found[offset : offset + int(query.get("limit", ["100"])[0])]
        return None


@contextmanager
def serve() -> Iterator[Stub]:
    stub = Stub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _handle(self, method: str) -> None:
            parsed = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            with stub.lock:
                stub.requests.append((method, parsed.path, body))
                query = parse_qs(parsed.query)
                answer = stub.langfuse(method, parsed.path, query, body)
                if answer is None:
                    answer = stub.langsmith(method, parsed.path, query, body)
            data = json.dumps({} if answer is None else answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

        def do_PUT(self) -> None:
            self._handle("PUT")

        def do_DELETE(self) -> None:
            self._handle("DELETE")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
