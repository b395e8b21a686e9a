"""Shared by the fault-injection tests: run the CLI as a user would (a
separate `python -m bot.cli` process on this checkout) with its own home,
and serve hostile pages from 127.0.0.1."""
from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a CLI run: its own home and data folders (no config,
    aliases or archive of the machine's user), this checkout first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISNAD_")}
    env.update(
        HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"), PYTHONPATH=str(REPO), **extra,
    )
    return env


def cli_command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *argv]


def run_cli(home: Path, *argv: str, timeout: float = 180, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(*argv), capture_output=True, text=True, timeout=timeout,
        cwd=cwd or REPO, env={**cli_env(home), **(env or {})},
    )


def start_cli(home: Path, *argv: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli_command(*argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=REPO, env={**cli_env(home), **(env or {})},
    )


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def loopback_config(home: Path, **fetch: object) -> Path:
    """A config file that lets the CLI fetch from 127.0.0.1 (the tests-only switch)."""
    values = {"allow_loopback": True, "retries": 0, "total_timeout": 60.0, **fetch}
    lines = ["[fetch]"] + [f"{k} = {json.dumps(v)}" if not isinstance(v, bool) else f"{k} = {str(v).lower()}"
                           for k, v in values.items()]
    home.mkdir(parents=True, exist_ok=True)
    path = home / "loopback.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


Route = tuple[int, dict[str, str], bytes]


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 in a thread; yields its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            status, headers, body = route
            self.send_response(status)
            for key, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(key, value)
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def one_page_pdf(content: bytes) -> bytes:
    """A minimal one-page PDF (Helvetica) whose page content is the flate-compressed `content`."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
