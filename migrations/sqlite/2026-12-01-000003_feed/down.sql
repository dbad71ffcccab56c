DROP TABLE feed_items;
