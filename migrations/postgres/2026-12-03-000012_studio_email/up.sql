-- Email that speaks as the studio: the sender's display name (the address stays mail_from's),
-- where replies go, and the HTML alternative of the plain text. Rows queued before have none
-- and go as plain text from mail_from.
ALTER TABLE outgoing_emails ADD COLUMN from_name TEXT;
ALTER TABLE outgoing_emails ADD COLUMN reply_to TEXT;
ALTER TABLE outgoing_emails ADD COLUMN html_body TEXT;
