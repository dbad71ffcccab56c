ALTER TABLE prepaid_items DROP COLUMN print_names;
ALTER TABLE price_list_items DROP COLUMN print_names;
