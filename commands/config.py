"""Settings of the service, read from the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

#: Default of :attr:`Settings.fan_out` (``RALPH_ES_FAN_OUT``).
FAN_OUT = 1_000


@dataclass(frozen=True)
class Settings:
    """Where the data lives and how projections run.

    Without ``RALPH_ES_DATABASE_URL`` the service runs embedded: one SQLite
    file under ``./var/`` and projections applied in-process. With
    ``RALPH_ES_REDIS_URL`` ``ralph-es worker`` processes project (woken by
    each append's NOTIFY on PostgreSQL, by a catch-up job elsewhere) and run
    transition jobs from rq.
    ``max_limit`` caps a list page; ``max_body_bytes`` a request body (413 beyond);
    ``statement_timeout`` (seconds) a PostgreSQL read query (503 beyond);
    ``report_templates`` a directory of templates replacing the shipped report ones;
    ``auto_assign_hostname`` turns on Ralph's automatic back-office hostnames (a transition action);
    ``fan_out`` is how many records nesting a changed one its projection batch renders again itself (more are
    rendered after it, a chunk at a time: :meth:`projections.projector.Projector.render_pending`).
    """

    database_url: str
    redis_url: str | None
    secret_key: str
    write_wait_seconds: float = 10.0
    queue: str = "ralph-es-projections"
    max_limit: int = 1000
    max_body_bytes: int = 2_621_440
    statement_timeout: float = 30.0
    report_templates: str | None = None
    auto_assign_hostname: bool = False
    fan_out: int = FAN_OUT
    #: requests per user and period (``5000/hour``) when throttling is on, like Ralph's ``API_THROTTLING``
    throttle_rate: str | None = None

    @property
    def embedded(self) -> bool:
        """True when projections run inline (no Redis)."""
        return not self.redis_url

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @classmethod
    def from_env(cls, env: dict | None = None) -> Settings:
        """Build settings from ``RALPH_ES_*`` variables (embedded defaults otherwise)."""
        env = os.environ if env is None else env
        var = Path(env.get("RALPH_ES_VAR_DIR", "var")).resolve()
        url = env.get("RALPH_ES_DATABASE_URL") or f"sqlite:///{var / 'ralph-es.db'}"
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            url = "sqlite:///" + str(Path(url[len("sqlite:///"):]).resolve())
        if url.startswith("sqlite:///"):  # the embedded database's directory, whatever else is configured
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        secret = env.get("RALPH_ES_SECRET_KEY") or _embedded_secret(var)
        return cls(
            database_url=url,
            redis_url=env.get("RALPH_ES_REDIS_URL") or None,
            secret_key=secret,
            write_wait_seconds=float(env.get("RALPH_ES_WRITE_WAIT_SECONDS", "10")),
            queue=env.get("RALPH_ES_QUEUE", "ralph-es-projections"),
            max_limit=int(env.get("RALPH_ES_MAX_LIMIT", "1000")),
            max_body_bytes=int(env.get("RALPH_ES_MAX_BODY_BYTES", "2621440")),
            statement_timeout=float(env.get("RALPH_ES_STATEMENT_TIMEOUT", "30")),
            report_templates=env.get("RALPH_ES_REPORT_TEMPLATES") or None,
            auto_assign_hostname=_flag(env, "RALPH_ES_BACK_OFFICE_ASSET_AUTO_ASSIGN_HOSTNAME"),
            fan_out=max(1, int(env.get("RALPH_ES_FAN_OUT", str(FAN_OUT)))),
            throttle_rate=(env.get("RALPH_ES_API_THROTTLING_USER", "5000/hour")
                           if _flag(env, "RALPH_ES_API_THROTTLING") else None),
        )


def _flag(env, name: str) -> bool:
    """An on/off variable: ``1``, ``true``, ``yes`` or ``on`` is on."""
    return env.get(name, "").lower() in ("1", "true", "yes", "on")


def _embedded_secret(var: Path) -> str:
    """A secret kept beside the embedded database, created on first use.

    Written (mode 0600 from the start) to a file of this process, then linked
    into place: of processes starting together the first link wins and every
    one reads the same secret.
    """
    var.mkdir(parents=True, exist_ok=True)
    path = var / "secret_key"
    if not path.exists():
        mine = var / f".secret_key.{os.getpid()}"
        with os.fdopen(os.open(mine, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(mine, path)
        except FileExistsError:
            pass
        finally:
            mine.unlink()
    return path.read_text().strip()
