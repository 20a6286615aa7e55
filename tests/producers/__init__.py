"""Trace producers for tests: the real ``langsmith``, ``langchain-core`` and ``langfuse`` packages,
run against a local fake endpoint on 127.0.0.1, so the JSON the importers read is exactly what
those SDKs send (no network beyond the loopback interface)."""
