"""How long the time limits take to say no: a remote image that never arrives.

The tests check that a slow server's image is refused, and why (the fetch
timed out); how soon is measured here, against a target, since a wall-clock
bound in a test fails on a busy machine for reasons that are not the code's.
Run with `make bench`; results go in NOTES.md.
"""

from __future__ import annotations

import http.server
import sys
import tempfile
import threading
import time
from pathlib import Path

from publish.read.resources import RefusedResource, ResourcePolicy

TIMEOUT = 0.5
# The limit, and the margin a loaded machine needs to start and end one request.
TARGET_SECONDS = TIMEOUT + 2.0
SERVER_DELAY = 3.0


class SlowServer(http.server.BaseHTTPRequestHandler):
    """An image host that answers only after SERVER_DELAY."""

    def do_GET(self) -> None:
        time.sleep(SERVER_DELAY)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def main() -> int:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/slow.png"
    with tempfile.TemporaryDirectory() as folder:
        policy = ResourcePolicy((Path(folder),), allow_remote=True, timeout=TIMEOUT)
        started = time.monotonic()
        try:
            policy.read(url, Path(folder))
            outcome = "fetched (the limit did not hold)"
        except RefusedResource as refusal:
            outcome = str(refusal)
        seconds = time.monotonic() - started
    server.shutdown()
    ok = seconds <= TARGET_SECONDS and "timed out" in outcome
    print(
        f"{'ok  ' if ok else 'OVER'}  a remote image {SERVER_DELAY:g} s late, limit {TIMEOUT:g} s: refused in "
        f"{seconds:.2f} s (target ≤ {TARGET_SECONDS:g}; {outcome[-40:]})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
