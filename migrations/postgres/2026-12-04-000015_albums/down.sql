DROP TABLE album_notes;
DROP TABLE album_pages;
DROP TABLE album_revisions;
DROP TABLE albums;
ALTER TABLE studio DROP COLUMN album_remind_after_days;
ALTER TABLE studio DROP COLUMN album_watermark;
