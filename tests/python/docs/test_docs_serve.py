"""`make docs` writes the static single-file site and serves the docs over HTTP on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request

from support import copy_project, free_port

STARTUP_SECONDS = 180


def fetch(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read()
    except OSError:
        return None


def test_make_docs_serves_and_writes_the_static_site(tmp_path):
    project = copy_project(tmp_path / "segments")
    port = free_port()  # the Makefile's default is 8080; a free port keeps the test independent
    argv, env = project.make_command("docs", f"DOCS_PORT={port}")
    # To a file, not a pipe: nobody reads a pipe while the server runs, and a full one blocks it.
    log = tmp_path / "make-docs.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            argv, cwd=project.root, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        index = None
        while index is None and time.monotonic() < deadline and server.poll() is None:
            time.sleep(1)
            index = fetch(f"http://127.0.0.1:{port}/")
        assert index is not None, "docs server never answered:\n" + log.read_text()[-3000:]
        assert b"dbt" in index
        manifest = fetch(f"http://127.0.0.1:{port}/manifest.json")
        assert manifest is not None and b"model.segments.customer_segments" in manifest
        catalog = fetch(f"http://127.0.0.1:{port}/catalog.json")
        assert catalog is not None and b"total_sales_amount" in catalog
        static = project.root / "target" / "static_index.html"
        assert static.stat().st_size > 100_000
        assert b"model.segments.customer_segments" in static.read_bytes()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert f"http://127.0.0.1:{port}" in log.read_text()
