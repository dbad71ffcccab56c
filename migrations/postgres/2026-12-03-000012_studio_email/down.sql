ALTER TABLE outgoing_emails DROP COLUMN html_body;
ALTER TABLE outgoing_emails DROP COLUMN reply_to;
ALTER TABLE outgoing_emails DROP COLUMN from_name;
