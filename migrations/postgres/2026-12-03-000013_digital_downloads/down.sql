DROP TABLE downloads;
ALTER TABLE order_lines DROP COLUMN kind;
ALTER TABLE events DROP COLUMN download_size;
ALTER TABLE events DROP COLUMN downloads;
ALTER TABLE price_list_items DROP COLUMN kind;
