"""A real appender process for the concurrency and crash tests.

Usage: python -m tests.log_appender DB_URL WORKER COUNT THREADS
Appends COUNT statements per thread (COUNT=0: forever), one `append` call each so the writer
group-commits them, and prints `ACK <index> <leaf sha256>` for each acknowledged append.
"""

import hashlib
import sys
import threading

import nacl.signing

from coop.kernel.db import make_engine
from provenance.core.entry import statement_leaf
from provenance.core.note import NoteSigner
from provenance.core.signing import sign_statement
from provenance.service import ProvenanceLog
from tests.conftest import ORIGIN

COOP_SEED = b"\x01" * 32


def main() -> None:
    url, worker, count, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    engine = make_engine(url)
    log = ProvenanceLog(engine, NoteSigner(ORIGIN, nacl.signing.SigningKey(COOP_SEED)), ORIGIN)
    key = nacl.signing.SigningKey(hashlib.sha256(f"worker {worker}".encode()).digest())
    out_lock = threading.Lock()

    def run(thread: int) -> None:
        n = 0
        while count == 0 or n < count:
            statement = sign_statement(
                key, "test.entry", {"worker": worker, "thread": thread, "n": n, "pad": "x" * 200}
            )
            index = log.append(statement)
            digest = hashlib.sha256(statement_leaf(statement)).hexdigest()
            with out_lock:
                sys.stdout.write(f"ACK {index} {digest}\n")
                sys.stdout.flush()
            n += 1

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


if __name__ == "__main__":
    main()
