"""Contract of the funding feed: JSON Lines, one object per disbursement event (reversals negative)."""
from __future__ import annotations

from ingestion.contracts import FILE_REASONS, FeedContract, RawColumn

PROGRAM_CODES = ("GP300", "LEAD", "SUPRA", "COLLAB", "NETLOAN", "CRISIS", "STRUCT", "TALENT", "EXPORT")
KINDS = ("grant", "loan", "rnd", "voucher")
FIELDS = ("event_id", "brn", "program_code", "project_id", "consortium_id", "amount_krw", "paid_on", "kind", "reverses")

CONTRACT = FeedContract(
    name="funding",
    landing_subdir="funding",
    file_suffixes=(".jsonl",),
    raw_table="raw.funding",
    columns=(
        RawColumn("event_id", "VARCHAR NOT NULL", "unique id of the disbursement or cancellation event"),
        RawColumn("brn", "VARCHAR NOT NULL", "recipient business registration number, 10 digits, check digit verified"),
        RawColumn("brn_as_delivered", "VARCHAR NOT NULL", "brn exactly as delivered"),
        RawColumn("program_code", "VARCHAR NOT NULL", "programme code (GP300, LEAD, SUPRA, COLLAB, ...)"),
        RawColumn("project_id", "VARCHAR", "Growth Project 300 project id, when the payment belongs to one"),
        RawColumn("consortium_id", "VARCHAR", "collaboration-model consortium id, when the payment belongs to one"),
        RawColumn("amount_krw", "BIGINT NOT NULL", "amount in KRW; negative for a cancellation"),
        RawColumn("paid_on", "DATE NOT NULL", "payment date"),
        RawColumn("kind", "VARCHAR NOT NULL", "grant, loan, rnd or voucher"),
        RawColumn("reverses", "VARCHAR", "event_id this cancellation reverses; null for a payment"),
    ),
    reason_codes={
        **FILE_REASONS,
        "malformed_json": "the line is not a JSON object",
        "invalid_brn": "brn is not 10 digits or fails the check digit",
        "invalid_date": "paid_on is not a real YYYY-MM-DD date",
        "invalid_value": "program_code, kind or amount_krw is outside the contract",
        "missing_value": "a required field is missing or null",
        "duplicate_event_id": "event_id was already loaded from another row or file",
        "sign_mismatch": "a reversal must be negative and a payment positive",
    },
)
