"""The witness's HTTP service: `POST /add-checkpoint` (C2SP tlog-witness), on the standard library.

A witness is a small process of its own, run by a member or a friendly co-op next to nothing else:
no database server, no web framework, one SQLite file. HTTP/1.1 keep-alive, as the spec asks of
witnesses. Every answer is computed and recorded in one transaction (`WitnessState.transact`) and
sent only after the commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from provenance.core.cosignature import Cosigner
from provenance.core.witness import Answer, TrustedLog, decide
from provenance.witness.state import WitnessState

MAX_BODY = 256 * 1024  # 63 proof lines and a checkpoint with many (even post-quantum) signatures


class Witness:
    """What the service answers with: its key, the logs it witnesses, its state, its clock."""

    def __init__(
        self,
        cosigner: Cosigner,
        logs: Mapping[str, TrustedLog],
        state: WitnessState,
        clock: Callable[[], float] = time.time,
    ):
        self.cosigner, self.logs, self.state, self.clock = cosigner, logs, state, clock

    def add_checkpoint(self, body: bytes) -> Answer:
        return self.state.transact(
            lambda latest, now: decide(body, self.logs, latest, self.cosigner, now), int(self.clock()), body
        )


def make_server(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "coop-witness"

        def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
            if self.path != "/add-checkpoint":
                self._send(Answer(404, "not found\n"))
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._send(Answer(411, "a Content-Length is required\n"), close=True)
                return
            if not 0 <= length <= MAX_BODY:
                self._send(Answer(413, f"the body is over {MAX_BODY} bytes\n"), close=True)
                return
            self._send(witness.add_checkpoint(self.rfile.read(length)))

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/":
                self._send(Answer(200, witness.cosigner.verifier.encode() + "\n"))
            else:
                self._send(Answer(404, "not found\n"))

        def _send(self, answer: Answer, close: bool = False) -> None:
            payload = answer.body.encode("utf-8")
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(payload)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
            pass  # one line per checkpoint on stderr is noise for the person running it

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
