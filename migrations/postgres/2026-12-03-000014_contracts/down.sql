DROP TABLE contract_audit;
DROP TABLE contract_signatures;
DROP TABLE contracts;
ALTER TABLE outgoing_emails DROP COLUMN attachment;
ALTER TABLE outgoing_emails DROP COLUMN attachment_type;
ALTER TABLE outgoing_emails DROP COLUMN attachment_name;
ALTER TABLE studio DROP COLUMN signer;
