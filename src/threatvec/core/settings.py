"""Server settings, each declared once: resolved CLI flag → environment → default.

Every variable is ``THREATVEC_<NAME>``; the org key also reads ``ORG_KEY`` (the
name the help page uses). docs/configuration.md lists them all.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from threatvec.core import public_url

__all__ = ["EVENTS_KEEP_DAYS", "Settings", "get_settings"]

EVENTS_KEEP_DAYS = "THREATVEC_EVENTS_KEEP_DAYS"
ORG_KEY_MIN_LEN = 16
SECRET_KEY_MIN_LEN = 32
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_BACKENDS = ("sqlite", "postgresql")


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "threatvec"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THREATVEC_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data directory"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # What other systems are told to call (webhook URLs, the extension's server URL):
    # behind a proxy the request's own address is not it (threatvec.core.public_url).
    public_url: str | None = Field(
        default=None, description="The server's URL as others reach it, e.g. https://tv.example.com"
    )
    org_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("THREATVEC_ORG_KEY", "ORG_KEY")
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Signs dashboard sessions; generated in the data dir if unset"
    )
    insecure_no_auth: bool = False
    environment: Literal["development", "production"] = "development"
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    scheduler_enabled: bool = True
    # Finished job runs older than this are deleted (jobs.retention), the newest of each
    # kind per job and org kept: ~58,000 rows a day at 20 orgs otherwise grow for good.
    job_runs_keep_days: int = Field(
        default=30, ge=1, description="Days of finished job runs kept (Settings → Background jobs)"
    )
    # Raw event tables (agent, shadow, enforcement and Snapper events, PagerDuty webhook
    # events, integration runs) keep this many days (threatvec.retention); the daily
    # aggregates stay. 400 covers a yearly compliance period, as posture snapshots do.
    events_keep_days: int = Field(
        default=400, description="Days of raw events kept (threatvec.retention)"
    )
    allow_private_outbound: bool = Field(
        default=False, description="Let notifications/integrations reach loopback/private hosts"
    )
    ingest_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    ingest_max_events: int = Field(default=1000, ge=1)
    ingest_rate_per_minute: int = Field(default=600, ge=1, description="Ingest batches per org")
    shadow_events_rate_per_minute: int = Field(
        default=6000, ge=1, description="Browser-extension event batches per org"
    )
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    nvd_base_url: str = "https://services.nvd.nist.gov/rest/json/cves/2.0"
    nvd_api_key: SecretStr | None = None
    epss_base_url: str = "https://api.first.org/data/v1/epss"
    kev_url: str = (
        "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
    )
    osv_base_url: str = "https://api.osv.dev"
    # Empty turns the weekly download off (a catalogue can still be imported from a file).
    atlas_url: str = "https://raw.githubusercontent.com/mitre-atlas/atlas-data/main/dist/ATLAS.yaml"
    vulners_api_key: SecretStr | None = None
    m365_authority_url: str = "https://login.microsoftonline.com"
    m365_api_url: str = "https://manage.office.com"
    # `threatvec mcp scan` reads resource texts (issue #4): how many, how much.
    mcp_scan_max_resources: int = Field(
        default=20, ge=0, le=1000, description="Resources read per MCP server"
    )
    mcp_scan_max_resource_bytes: int = Field(
        default=64 * 1024, ge=1, le=1024 * 1024, description="Bytes kept per resource text"
    )
    # AgentBench run harness (issue 8): canary egress URLs and honeypot MCP per run.
    redteam_listener_enabled: bool = Field(
        default=True, description="Serve canary URLs and honeypot MCP tools to server runs"
    )
    redteam_listener_host: str = Field(default="127.0.0.1", description="Harness bind address")
    redteam_listener_port: int = Field(
        default=0, ge=0, le=65535, description="Harness port; 0 picks a free one"
    )
    redteam_listener_public_url: str | None = Field(
        default=None, description="URL agents use to reach the harness (default: the bound one)"
    )
    # Optional AgentBench LLM judge: any OpenAI-compatible endpoint (suspected FAILs only).
    redteam_judge_base_url: str | None = None
    redteam_judge_model: str | None = None
    redteam_judge_api_key: SecretStr | None = None

    @field_validator("org_key", "secret_key", mode="before")
    @classmethod
    def _blank_key_is_none(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("org_key")
    @classmethod
    def _long_enough_key(cls, v: SecretStr | None) -> SecretStr | None:
        # The key is the org's only credential and nothing limits wrong guesses:
        # "abc" would open the whole API to a short brute force.
        if v is not None and len(v.get_secret_value().strip()) < ORG_KEY_MIN_LEN:
            raise ValueError(
                f"ORG_KEY / THREATVEC_ORG_KEY must be at least {ORG_KEY_MIN_LEN} characters; "
                "generate one with: python -c 'import secrets; "
                'print("tvk_" + secrets.token_urlsafe(32))\''
            )
        return v

    @field_validator("secret_key")
    @classmethod
    def _long_enough_secret(cls, v: SecretStr | None) -> SecretStr | None:
        # It signs every dashboard session and derives the key that encrypts stored
        # secrets: a short one is a guessable master key for both.
        if v is not None and len(v.get_secret_value().strip()) < SECRET_KEY_MIN_LEN:
            raise ValueError(
                f"THREATVEC_SECRET_KEY must be at least {SECRET_KEY_MIN_LEN} characters; "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return v

    @field_validator("public_url", mode="before")
    @classmethod
    def _valid_public_url(cls, v: object) -> object:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if not isinstance(v, str):
            raise ValueError(f"{public_url.SETTING} must be a URL string")
        return public_url.validate(v)

    @field_validator("events_keep_days", mode="before")
    @classmethod
    def _at_least_one_day(cls, v: object) -> object:
        # Named by its variable: 0 would delete every event at the next prune.
        try:
            days = int(str(v).strip())
        except ValueError:
            raise ValueError(f"{EVENTS_KEEP_DAYS} must be a whole number of days") from None
        if days < 1:
            raise ValueError(f"{EVENTS_KEEP_DAYS} must be at least 1 (days of raw events kept)")
        return days

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_log_level(cls, v: object) -> object:
        # Checked here so every command refuses it, not only `serve` when it
        # configures logging ("ValueError: Unknown level", naming no setting).
        level = str(v).strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"THREATVEC_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("database_url", mode="before")
    @classmethod
    def _supported_database_url(cls, v: object) -> object:
        # Without this, a typo or another database surfaced as the driver's import
        # error or SQLAlchemy's parse error; the value is never repeated (a password).
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        from sqlalchemy.engine import make_url  # only commands that need a store pay for it
        from sqlalchemy.exc import ArgumentError

        message = (
            "THREATVEC_DATABASE_URL must be a sqlite:// or postgresql:// URL "
            "(sqlite:////abs/path.db or postgresql+psycopg://user:pw@host/db)"
        )
        try:
            backend = make_url(str(v).strip()).get_backend_name()
        except (ArgumentError, ValueError):
            raise ValueError(message) from None
        if backend not in DATABASE_BACKENDS:
            raise ValueError(message)
        return str(v).strip()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'threatvec.db').resolve()}"

    def resolved_secret_key(self) -> str:
        """The session-signing key: configured, or generated once and kept in the data dir."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if self.environment == "production":
            raise RuntimeError(
                "THREATVEC_SECRET_KEY must be set when THREATVEC_ENVIRONMENT=production"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret_key"
        if not path.exists():
            # Written aside and linked into place: processes starting together
            # never see a half-written key, and exactly one key wins.
            tmp = self.data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # fails if another process won the race
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        return path.read_text().strip()

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
