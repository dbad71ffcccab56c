-- What the connector needs to skip work and to move expiry dates.
-- manifest_sha256: SHA-256 of the session as last accepted (its canonical JSON), so a connector
-- with nothing new to say can tell without sending it again.
ALTER TABLE events ADD COLUMN manifest_sha256 TEXT;
-- expiry_override: an expiry date set by `extend` / `expire`; it stands over first_online +
-- days_active until the studio changes days_active in the session's manifest.
ALTER TABLE events ADD COLUMN expiry_override DATE;
