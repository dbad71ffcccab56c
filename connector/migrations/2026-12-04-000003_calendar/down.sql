DROP TABLE dav_items;
DROP TABLE dav_collections;
