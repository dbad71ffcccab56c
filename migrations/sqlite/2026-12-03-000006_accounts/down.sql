DROP TABLE site_keys;
DROP TABLE login_links;
ALTER TABLE guests DROP COLUMN confirmed_at;
