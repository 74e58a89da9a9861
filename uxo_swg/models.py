"""The stored records of the working group: SQLModel tables."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Optional

import sqlalchemy as sa
from flask_login import UserMixin
from pydantic import PrivateAttr
from sqlmodel import Field, SQLModel

from .db import ScaledDecimal, Versioned

AMOUNT_SCALE = 4  # enough for every ISO 4217 minor unit
RATE_SCALE = 10


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(timezone.utc)


def amount_field(**kw: Any) -> Any:
    return Field(sa_type=ScaledDecimal(AMOUNT_SCALE), **kw)


ORGANISATION_KINDS = (
    "donor", "multilateral", "pooled-fund", "ngo", "national-operator", "commercial", "foundation",
    "government",
)
#: The kinds of organisation that give money: a pooled fund also pays, where it allocates (agreements, payments).
DONOR_KINDS = ("donor", "multilateral", "foundation", "government")
SUPPORT_KINDS = ("cash", "in-kind")  # counting rule 12: in-kind support is also shown apart
AMENDMENT_CHANGES = ("increase", "decrease", "terminate")
ROLES = ("admin", "co-chair", "operator", "reviewer")


# --- reference data --------------------------------------------------------------------

class Pillar(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=20)
    name_en: str = Field(max_length=100)
    name_lo: str = Field(max_length=100)
    sort_order: int = 0


class Province(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=10)  # LA-XX or "national"
    name_en: str = Field(max_length=100)
    name_lo: str = Field(max_length=100)
    aliases: str = Field(default="", max_length=400)  # ";"-separated other spellings


class Organisation(Versioned, SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=30)
    country: Optional[str] = Field(default=None, max_length=2)
    contact: Optional[str] = Field(default=None, max_length=300)
    merged_into_id: Optional[int] = Field(default=None, foreign_key="organisation.id")
    ccm_state_party: Optional[bool] = None  # State Party to the Convention on Cluster Munitions; None: unknown
    fiscal_year_start: Optional[int] = None  # month its fiscal year starts, 1-12; None: the calendar year
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)


class OrganisationAlias(SQLModel, table=True):
    __tablename__ = "organisation_alias"
    id: Optional[int] = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    alias: str = Field(max_length=200)
    key: str = Field(max_length=200, unique=True)  # normalised for matching


# --- money from donors -----------------------------------------------------------------

class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batch"
    __table_args__ = (sa.UniqueConstraint("kind", "sha256"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # register | return | rates
    sha256: str = Field(max_length=64)
    filename: str = Field(max_length=255)
    imported_at: datetime = Field(default_factory=utcnow)
    imported_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    rolled_back_at: Optional[datetime] = None
    summary: str = Field(default="", max_length=1000)


class Pledge(Versioned, SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(max_length=60, unique=True)
    donor_id: int = Field(foreign_key="organisation.id", index=True)
    recipient_id: Optional[int] = Field(default=None, foreign_key="organisation.id")
    announced_on: date = Field(index=True)  # the list's default order
    announced_at: str = Field(default="", max_length=200)  # SWG meeting, bilateral letter ...
    currency: str = Field(max_length=3)
    ccm_specific: bool = False
    notes: str = Field(default="", max_length=2000)
    cancelled_at: Optional[datetime] = None
    import_batch_id: Optional[int] = Field(default=None, foreign_key="import_batch.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)


class PledgeLine(SQLModel, table=True):
    __tablename__ = "pledge_line"
    __table_args__ = (sa.UniqueConstraint("pledge_id", "year", "pillar_code"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True)
    year: int = Field(index=True)
    pillar_code: str = Field(foreign_key="pillar.code")
    amount: Decimal = amount_field()


class Commitment(Versioned, SQLModel, table=True):
    """A signed agreement between a donor and a recipient: its lines say how much, for which years and pillars."""

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(max_length=60, unique=True)
    pledge_id: Optional[int] = Field(default=None, foreign_key="pledge.id", index=True)
    donor_id: int = Field(foreign_key="organisation.id", index=True)
    recipient_id: int = Field(foreign_key="organisation.id")
    signed_on: date = Field(index=True)
    start_on: date
    end_on: date
    currency: str = Field(max_length=3)
    support: str = Field(default="cash", max_length=10)  # cash | in-kind
    notes: str = Field(default="", max_length=2000)
    cancelled_at: Optional[datetime] = None
    import_batch_id: Optional[int] = Field(default=None, foreign_key="import_batch.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)


class CommitmentLine(SQLModel, table=True):
    """The amount an agreement signed for one year and pillar, in the agreement's currency."""

    __tablename__ = "commitment_line"
    __table_args__ = (sa.UniqueConstraint("commitment_id", "year", "pillar_code"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    year: int = Field(index=True)
    pillar_code: str = Field(foreign_key="pillar.code")
    amount: Decimal = amount_field()


class Amendment(Versioned, SQLModel, table=True):
    """A dated change to a signed agreement: an increase, a decrease or its termination."""

    id: Optional[int] = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    amended_on: date = Field(index=True)
    change: str = Field(max_length=10)  # increase | decrease | terminate
    year: int  # the year the change is for (the year of amended_on when not given)
    pillar_code: Optional[str] = Field(default=None, foreign_key="pillar.code")  # None: a termination
    amount: Optional[Decimal] = amount_field(default=None)  # positive, agreement's currency; None: terminate
    new_end: Optional[date] = None
    notes: str = Field(default="", max_length=2000)
    cancelled_at: Optional[datetime] = None  # entered in error
    import_batch_id: Optional[int] = Field(default=None, foreign_key="import_batch.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)


class Disbursement(Versioned, SQLModel, table=True):
    """Money paid by a donor (donor-side record)."""

    # A summary looks up the disbursements an operator's receipt may match (rule 5): same
    # agreement ref and donor, and the receipt's operator or channel as recipient or as channel.
    __table_args__ = (
        sa.Index("ix_disbursement_agreement_ref_donor_recipient", "agreement_ref", "donor_id", "recipient_id"),
        sa.Index("ix_disbursement_agreement_ref_donor_via", "agreement_ref", "donor_id", "via_id",
                 sqlite_where=sa.text("via_id IS NOT NULL"), postgresql_where=sa.text("via_id IS NOT NULL")),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    agreement_ref: Optional[str] = Field(default=None, max_length=60)
    commitment_id: Optional[int] = Field(default=None, foreign_key="commitment.id")
    pledge_id: Optional[int] = Field(default=None, foreign_key="pledge.id", index=True)
    donor_id: int = Field(foreign_key="organisation.id", index=True)
    recipient_id: int = Field(foreign_key="organisation.id", index=True)
    via_id: Optional[int] = Field(default=None, foreign_key="organisation.id")
    paid_on: date = Field(index=True)
    pillar_code: str = Field(foreign_key="pillar.code")
    province_code: Optional[str] = Field(default=None, foreign_key="province.code")
    amount: Decimal = amount_field()
    currency: str = Field(max_length=3)
    support: str = Field(default="cash", max_length=10)  # cash | in-kind
    notes: str = Field(default="", max_length=2000)
    cancelled_at: Optional[datetime] = None
    import_batch_id: Optional[int] = Field(default=None, foreign_key="import_batch.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)


class Requirement(Versioned, SQLModel, table=True):
    """A costed need of the national work plan for a year and pillar."""

    id: Optional[int] = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    pillar_code: str = Field(foreign_key="pillar.code")
    amount: Decimal = amount_field()
    currency: str = Field(max_length=3)
    source: str = Field(default="", max_length=300)
    superseded_by_id: Optional[int] = Field(default=None, foreign_key="requirement.id")
    cancelled_at: Optional[datetime] = None  # issue 4: a requirement is cancelled, never deleted
    import_batch_id: Optional[int] = Field(default=None, foreign_key="import_batch.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)


# --- operator returns ------------------------------------------------------------------

_CURRENT = sa.text("superseded_by_id IS NULL")


class OperatorReturn(SQLModel, table=True):
    """One version of an operator's quarterly return; the one no other supersedes is current.

    The database itself keeps the versions straight: one current version per operator and
    quarter, and version numbers unique per operator and quarter. The same file may be
    stored again as a later version (going back to it), never as two versions in a row:
    the import checks that under the quarter's lock (ReturnLock).
    """

    __tablename__ = "operator_return"
    __table_args__ = (
        # Unique indexes, not constraints: SQLite adds them without rebuilding the table.
        sa.Index("uq_operator_return_version", "operator_id", "quarter", "version_no", unique=True),
        sa.Index("uq_operator_return_current", "operator_id", "quarter", unique=True,
                 sqlite_where=_CURRENT, postgresql_where=_CURRENT),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="organisation.id", index=True)
    quarter: str = Field(max_length=7, index=True)  # 2025-Q3
    version_no: int = 1
    superseded_by_id: Optional[int] = Field(default=None, foreign_key="operator_return.id")
    prepared_by: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    submitted_on: Optional[date] = None
    filename: str = Field(default="", max_length=255)
    sha256: str = Field(default="", max_length=64, index=True)
    uploaded_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    uploaded_at: datetime = Field(default_factory=utcnow)


class ReturnLock(SQLModel, table=True):
    """A row per operator and quarter that an import locks before it looks at the stored versions.

    Two imports of the same operator's quarter (a double click, two colleagues) then run
    one after the other, on PostgreSQL (row lock) as on SQLite (write lock).
    """

    __tablename__ = "return_lock"
    operator_id: int = Field(primary_key=True)  # not a foreign key: a merge moves returns, not their locks
    quarter: str = Field(primary_key=True, max_length=7)
    locked_at: datetime = Field(default_factory=utcnow)


class ReturnReceipt(SQLModel, table=True):
    __tablename__ = "return_receipt"
    # The reconciliation asks which operators reported receipts in a window: a seek per return.
    __table_args__ = (sa.Index("ix_return_receipt_return_id_received_on", "return_id", "received_on"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="operator_return.id", index=True)
    row: int = 0
    received_on: date = Field(index=True)
    donor_id: int = Field(foreign_key="organisation.id", index=True)
    via_id: Optional[int] = Field(default=None, foreign_key="organisation.id", index=True)
    agreement_ref: Optional[str] = Field(default=None, max_length=60)
    pillar_code: str = Field(foreign_key="pillar.code")
    province_code: Optional[str] = Field(default=None, foreign_key="province.code")
    amount: Decimal = amount_field()
    currency: str = Field(max_length=3)
    notes: str = Field(default="", max_length=2000)


class ReturnExpenditure(SQLModel, table=True):
    __tablename__ = "return_expenditure"
    id: Optional[int] = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="operator_return.id", index=True)
    row: int = 0
    pillar_code: str = Field(foreign_key="pillar.code")
    province_code: str = Field(foreign_key="province.code")
    amount: Decimal = amount_field()
    currency: str = Field(max_length=3)
    # `Funded by`: a donor, a pooled fund or the government; or the operator's own funds.
    funded_by_id: Optional[int] = Field(default=None, foreign_key="organisation.id")
    own_funds: bool = False
    notes: str = Field(default="", max_length=2000)


class ReturnOutput(SQLModel, table=True):
    __tablename__ = "return_output"
    id: Optional[int] = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="operator_return.id", index=True)
    row: int = 0
    pillar_code: str = Field(foreign_key="pillar.code")
    province_code: str = Field(foreign_key="province.code")
    indicator: str = Field(max_length=60)
    value: Decimal = amount_field()
    notes: str = Field(default="", max_length=2000)
    # People reached, for indicators that count people; None where the return did not give them (never 0).
    women: Optional[int] = None
    men: Optional[int] = None
    girls: Optional[int] = None
    boys: Optional[int] = None
    with_disability: Optional[int] = None


# --- exchange rates, people, audit -----------------------------------------------------

class ExchangeRate(SQLModel, table=True):
    __tablename__ = "exchange_rate"
    __table_args__ = (sa.UniqueConstraint("currency", "rate_date", "source"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    rate_date: date = Field(index=True)
    currency: str = Field(max_length=3, index=True)
    units_per_usd: Decimal = Field(sa_type=ScaledDecimal(RATE_SCALE))
    source: str = Field(max_length=200)
    import_batch_id: Optional[int] = Field(default=None, foreign_key="import_batch.id")
    created_at: datetime = Field(default_factory=utcnow)


class User(UserMixin, SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(default="", max_length=255)
    roles: str = Field(default="", max_length=100)  # space-separated
    organisation_id: Optional[int] = Field(default=None, foreign_key="organisation.id")
    active: bool = True
    language: Optional[str] = Field(default=None, max_length=5)  # "lo" or "en"; None: the browser's language
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def role_set(self) -> set[str]:
        return set(self.roles.split())

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled user cannot log in or stay logged in
        return self.active

    # The random id of the login session this user object was loaded through (user_session).
    _session_token: Optional[str] = PrivateAttr(default=None)

    def get_id(self) -> str:
        # What Flask-Login keeps in the cookie: the login session's random id, nothing of the user.
        try:
            token = self._session_token
        except (AttributeError, TypeError):  # loaded from the database, never given a session
            token = None
        return token or f"no-session-{self.id}"

    def attach_session(self, token: str) -> None:
        """Mark this user object as logged in through the login session with this id."""
        self._session_token = token


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    actor: str = Field(default="", max_length=254)  # e-mail, or "cli" / "scheduler"
    via: str = Field(default="", max_length=20)  # form | import | cli | scheduler | migration
    action: str = Field(max_length=10)  # insert | update | delete
    entity: str = Field(max_length=50, index=True)
    entity_id: str = Field(max_length=50)
    before: Optional[str] = None  # JSON
    after: Optional[str] = None  # JSON


class JobRun(SQLModel, table=True):
    """A scheduled job's claim on one period, so no job runs twice for the same period."""

    __tablename__ = "job_run"
    __table_args__ = (sa.UniqueConstraint("job", "period"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    job: str = Field(max_length=60)
    period: str = Field(max_length=20)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: Optional[datetime] = None


class LoginAttempt(SQLModel, table=True):
    """A login attempt, kept to throttle guessing per account and per address across workers."""

    __tablename__ = "login_attempt"
    id: Optional[int] = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    succeeded: bool = False


class UserSession(SQLModel, table=True):
    """A login session: the cookie carries its random id (here only its SHA-256), revoked at logout."""

    __tablename__ = "user_session"
    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: Optional[datetime] = None
    address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=200)


class LoginThrottle(SQLModel, table=True):
    """Failed logins counted for one key (an address, or an account from an address) and the wait they earned."""

    __tablename__ = "login_throttle"
    key: str = Field(primary_key=True, max_length=340)
    failures: int = 0
    last_failure_at: Optional[datetime] = None
    blocked_until: Optional[datetime] = None


class Setting(SQLModel, table=True):
    """An application setting an admin can change (for example public summaries)."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", max_length=500)


# --- operator returns and reconciliation (issue 5) ---

_DECISION_IN_FORCE = sa.text("undone_at IS NULL")


class ReconciliationDecision(Versioned, SQLModel, table=True):
    """A co-chair's decision that a receipt is (confirm) or is not (reject) a disbursement's money.

    A decision is never deleted: undoing it, or deciding otherwise, ends it (`undone_at`), and
    a decision that replaced it names it. One decision is in force per pair (a unique index).
    """

    __tablename__ = "reconciliation_decision"
    __table_args__ = (
        sa.Index("uq_reconciliation_decision_in_force", "receipt_id", "disbursement_id", unique=True,
                 sqlite_where=_DECISION_IN_FORCE, postgresql_where=_DECISION_IN_FORCE),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="return_receipt.id", index=True)
    disbursement_id: int = Field(foreign_key="disbursement.id", index=True)
    decision: str = Field(max_length=10)  # confirm | reject
    note: str = Field(default="", max_length=500)
    decided_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    decided_at: datetime = Field(default_factory=utcnow)
    undone_at: Optional[datetime] = None  # undone, or replaced by a later decision on the pair
    undone_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    replaced_by_id: Optional[int] = Field(default=None, foreign_key="reconciliation_decision.id")
    version: int = 1


# --- summaries (issue 6) ---

class SummaryReport(Versioned, SQLModel, table=True):
    """A TWG (pillar, quarter) or SWG (half-year) summary: its live draft and its published versions."""

    __tablename__ = "summary_report"
    __table_args__ = (sa.UniqueConstraint("kind", "period", "pillar_code"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=3)  # twg | swg
    period: str = Field(max_length=7)  # 2025-Q3 | 2025-H1
    pillar_code: str = Field(default="", max_length=20)  # "" for an SWG summary
    narrative: str = Field(default="", sa_type=sa.Text)  # the co-chairs' narrative, drafted before publishing
    decisions: str = Field(default="", sa_type=sa.Text)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)


class SummaryVersion(SQLModel, table=True):
    """A published summary, frozen: its figures, the records and the rates they were computed from."""

    __tablename__ = "summary_version"
    __table_args__ = (sa.UniqueConstraint("report_id", "number"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="summary_report.id", index=True)
    number: int
    published_at: datetime = Field(default_factory=utcnow)
    published_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    published_by: str = Field(default="", max_length=254)
    figures_json: str = Field(sa_type=sa.Text)
    records_json: str = Field(sa_type=sa.Text)
    rates_json: str = Field(sa_type=sa.Text)
    narrative: str = Field(default="", sa_type=sa.Text)
    decisions: str = Field(default="", sa_type=sa.Text)


class SummaryComment(SQLModel, table=True):
    """A reviewer's comment on a summary's draft."""

    __tablename__ = "summary_comment"
    id: Optional[int] = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="summary_report.id", index=True)
    after_version: int = 0  # the draft that followed this published version (0: before the first)
    author_id: Optional[int] = Field(default=None, foreign_key="user.id")
    author: str = Field(default="", max_length=254)
    body: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow)


class ReviewerPillar(SQLModel, table=True):
    """A pillar a reviewer follows: its TWG drafts are theirs to read and comment on."""

    __tablename__ = "reviewer_pillar"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    pillar_code: str = Field(foreign_key="pillar.code", primary_key=True, max_length=20)


# --- the working group's calendar: job history, notices, e-mails, reminders (issue 17) ---

class JobHistory(SQLModel, table=True):
    """One run of a scheduled job: when it started and ended, its outcome and what it did."""

    __tablename__ = "job_history"
    id: Optional[int] = Field(default=None, primary_key=True)
    job: str = Field(max_length=60, index=True)
    period: str = Field(max_length=20)
    actor: str = Field(default="scheduler", max_length=254)  # scheduler, cli, or the admin who pressed "run now"
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: Optional[datetime] = None
    outcome: str = Field(max_length=10)  # done | failed
    detail: str = Field(default="", sa_type=sa.Text)


class Notice(SQLModel, table=True):
    """A message for one user, shown under the bell in the header until they mark it read."""

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    subject: str = Field(max_length=200)
    body: str = Field(default="", sa_type=sa.Text)
    link: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: Optional[datetime] = None


class OutgoingEmail(SQLModel, table=True):
    """An e-mail waiting to be sent (sent_at empty) or sent, written in the transaction that decided it."""

    __tablename__ = "outgoing_email"
    id: Optional[int] = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = Field(default=None, index=True)
    attempts: int = 0
    error: str = Field(default="", max_length=500)


class ReminderSent(SQLModel, table=True):
    """A reminder, digest or warning already made, by its key, so it is never made twice."""

    __tablename__ = "reminder_sent"
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)  # return:12:2025-Q3:due-today, return-digest:2025-W44, rate:LAK:2025-12-01
    kind: str = Field(max_length=30)  # return-reminder | return-digest | rate-missing | ecb-ends
    sent_at: datetime = Field(default_factory=utcnow)
    detail: str = Field(default="", max_length=500)


# --- results next to money (issue 16) ---

class Target(SQLModel, table=True):
    """A target of the annual work plan: how much of an indicator a pillar means to achieve in a year."""

    id: Optional[int] = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    pillar_code: str = Field(foreign_key="pillar.code")
    indicator: str = Field(max_length=60)
    target: Decimal = amount_field()
    source: str = Field(default="", max_length=300)
    superseded_by_id: Optional[int] = Field(default=None, foreign_key="target.id")
    cancelled_at: Optional[datetime] = None  # entered in error; a target is cancelled or superseded, never deleted
    import_batch_id: Optional[int] = Field(default=None, foreign_key="import_batch.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)


# --- IATI (spec section 9) ---

class IatiProposal(Versioned, SQLModel, table=True):
    """A commitment, amendment or disbursement read from an IATI file, waiting for a co-chair to accept or reject it.

    One per IATI activity and transaction (UNIQUE): a transaction read again from a later
    file is never proposed twice, whatever was decided about it.
    """

    __tablename__ = "iati_proposal"
    __table_args__ = (sa.UniqueConstraint("activity_id", "transaction_key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    activity_id: str = Field(max_length=255)  # the iati-identifier
    transaction_key: str = Field(max_length=255)  # the transaction's ref, or what it says (type, date, value, parties)
    kind: str = Field(max_length=12)  # agreement | amendment | disbursement
    change: str = Field(default="", max_length=10)  # an amendment's increase | decrease | terminate
    agreement_ref: str = Field(max_length=60)
    activity_title: str = Field(default="", max_length=300)
    reporting_org: str = Field(default="", max_length=300)
    donor_name: str = Field(default="", max_length=300)
    donor_ref: str = Field(default="", max_length=100)
    donor_id: Optional[int] = Field(default=None, foreign_key="organisation.id")
    recipient_name: str = Field(default="", max_length=300)
    recipient_ref: str = Field(default="", max_length=100)
    recipient_id: Optional[int] = Field(default=None, foreign_key="organisation.id")
    dated_on: date  # signed on, amended on or paid on
    start_on: Optional[date] = None
    end_on: Optional[date] = None
    currency: str = Field(max_length=3)
    amount: Decimal = amount_field()  # the whole proposal (a decrease or termination: what it takes off; positive)
    year: Optional[int] = None  # an amendment's year
    province_code: Optional[str] = Field(default=None, foreign_key="province.code")
    lines: str = Field(default="[]", sa_type=sa.Text)  # JSON [[year, pillar, "amount"], ...]
    note: str = Field(default="", sa_type=sa.Text)  # what the reading assumed, for the co-chair
    filename: str = Field(default="", max_length=255)
    sha256: str = Field(default="", max_length=64)
    status: str = Field(default="pending", max_length=10, index=True)  # pending | accepted | rejected
    proposed_at: datetime = Field(default_factory=utcnow)
    proposed_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    decided_at: Optional[datetime] = None
    decided_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    decision_note: str = Field(default="", max_length=500)
    records: str = Field(default="", max_length=200)  # what accepting stored: commitment:12, disbursement:40 41
    version: int = 1


# --- the read-only API (issue: API) ---

class ApiToken(SQLModel, table=True):
    """A token a script sends to the API, with its user's rights; only its SHA-256 is kept, as for login sessions."""

    __tablename__ = "api_token"
    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    label: str = Field(default="", max_length=100)  # what the token is for, said when it was made
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=254)
    last_used_at: Optional[datetime] = None  # written at most once a minute (bookkeeping, not audited)
    revoked_at: Optional[datetime] = None
    revoked_by: str = Field(default="", max_length=254)


from .cache_models import DataVersion, SummaryCache  # noqa: E402,F401  (the summary cache's tables, issue 14)
