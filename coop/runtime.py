"""Assembles the running service's parts from Settings: engine, co-op key, provenance log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from coop.db import make_engine
from coop.keys import load_signing_key
from coop.settings import Settings
from provenance.core.note import NoteSigner
from provenance.service import ProvenanceLog


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    log: ProvenanceLog

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings.database_url)
    signer = NoteSigner(settings.log_origin, load_signing_key(settings.key_file))
    return Runtime(settings, engine, ProvenanceLog(engine, signer, settings.log_origin))
