-- Contracts for e-signature: the studio's contract per session, frozen as the client reads it;
-- one signature each with its evidence and signed PDF; an append-only audit trail per contract,
-- each row chained to the one before by its SHA-256. The studio's signer; email attachments
-- (the signed PDF goes to the client).
ALTER TABLE studio ADD COLUMN signer TEXT;
ALTER TABLE outgoing_emails ADD COLUMN attachment_name TEXT;
ALTER TABLE outgoing_emails ADD COLUMN attachment_type TEXT;
ALTER TABLE outgoing_emails ADD COLUMN attachment BLOB;

CREATE TABLE contracts (
    id TEXT PRIMARY KEY NOT NULL,
    -- None once the session is taken down: a signed contract stays for the studio.
    event_id TEXT REFERENCES events(id) ON DELETE SET NULL,
    studio_session_id TEXT NOT NULL,
    studio_contract_id TEXT NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients(id),
    title TEXT NOT NULL,
    due DATE,
    source_sha256 TEXT NOT NULL,
    -- The studio's text with its merge fields, to fill again when the client or studio changes.
    source_markdown TEXT NOT NULL,
    document_markdown TEXT NOT NULL,
    document_html TEXT NOT NULL,
    document_sha256 TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    reminded_at TIMESTAMP,
    -- The audit trail's length and its last row's hash: a deleted last row shows.
    audit_rows INTEGER NOT NULL,
    audit_head TEXT NOT NULL,
    UNIQUE (studio_session_id, studio_contract_id)
);
CREATE INDEX contracts_by_event ON contracts (event_id);

CREATE TABLE contract_signatures (
    contract_id TEXT PRIMARY KEY NOT NULL REFERENCES contracts(id),
    document_sha256 TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    client_name TEXT NOT NULL,
    legal_name_confirmed BOOLEAN NOT NULL,
    email TEXT NOT NULL,
    studio_client_id TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    signed_at_local TEXT NOT NULL,
    ip_address TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    consent_text TEXT NOT NULL,
    drawing_png BLOB,
    drawing_sha256 TEXT,
    evidence_json TEXT NOT NULL,
    pdf BLOB NOT NULL,
    pdf_sha256 TEXT NOT NULL
);
CREATE INDEX contract_signatures_by_pdf ON contract_signatures (pdf_sha256);

CREATE TABLE contract_audit (
    contract_id TEXT NOT NULL REFERENCES contracts(id),
    position INTEGER NOT NULL,
    at TIMESTAMP NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_sha256 TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (contract_id, position)
);
