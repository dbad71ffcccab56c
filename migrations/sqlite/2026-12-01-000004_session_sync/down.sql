ALTER TABLE events DROP COLUMN expiry_override;
ALTER TABLE events DROP COLUMN manifest_sha256;
