-- What each photo picked for a price-list item becomes ("8×10", "5×7", "5×7"), one name a
-- line; empty when the studio named none. The package pickers name each slot with it.
ALTER TABLE price_list_items ADD COLUMN print_names TEXT NOT NULL DEFAULT '';
-- A prepaid invoice keeps its items' print names with its own copy of the items.
ALTER TABLE prepaid_items ADD COLUMN print_names TEXT NOT NULL DEFAULT '';
