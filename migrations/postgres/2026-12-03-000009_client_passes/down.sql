ALTER TABLE event_passes DROP COLUMN client_id;
