"""What the log's writer reports to Prometheus: the size and write time of each batch.

Observed once per batch, not per entry (a batch holds up to 4,096 appends), with label values bound
once here: an observation is a lock and a bucket search, negligible beside the transaction it
times. With PROMETHEUS_MULTIPROC_DIR set (several server processes), prometheus-client keeps
these values in per-process files that /metrics adds up (web/metrics.py).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

_BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)

APPEND_BATCH_ENTRIES = Histogram(
    "coop_log_append_batch_entries",
    "Entries sequenced per batch: 'group' = the writer's group commit, 'in_transaction' = with a business record",
    ["path"],
    buckets=_BATCH_SIZES,
)
APPEND_BATCH_SECONDS = Histogram(
    "coop_log_append_batch_seconds",
    "Time to write one group-committed batch: lock the head, store entries and tiles, sign the checkpoint, commit",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
APPEND_BATCH_FAILURES = Counter(
    "coop_log_append_batch_failures", "Group-committed batches that failed (every waiter got the error)"
)

GROUP_BATCH = APPEND_BATCH_ENTRIES.labels(path="group")
IN_TRANSACTION_BATCH = APPEND_BATCH_ENTRIES.labels(path="in_transaction")
