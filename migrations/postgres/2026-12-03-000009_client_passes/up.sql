-- An event a signed-in client opened with a code (or an invitation) is kept on their account,
-- as a guest's already was: My events still lists it after the browser session ends.
ALTER TABLE event_passes ADD COLUMN client_id TEXT REFERENCES clients(id) ON DELETE CASCADE;
