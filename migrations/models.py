"""Imports every package's models so the metadata Alembic compares against is complete."""

import coop.datasets.models  # noqa: F401
import coop.datasets.revenue_report_models  # noqa: F401
import coop.datasets.withdrawal_models  # noqa: F401
import coop.idempotency  # noqa: F401
import coop.membership.models  # noqa: F401
import coop.work.adjudication_models  # noqa: F401
import coop.work.appeal_models  # noqa: F401
import coop.work.claim_models  # noqa: F401
import coop.work.models  # noqa: F401
import coop.work.task_approval_models  # noqa: F401
import governance.models  # noqa: F401
import governance.witness_models  # noqa: F401
import ledger.models  # noqa: F401
import provenance.models  # noqa: F401
from coop.kernel.db import Base

metadata = Base.metadata
