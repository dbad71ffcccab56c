DROP TABLE runs;
DROP TABLE cursors;
