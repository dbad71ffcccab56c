DROP TABLE outgoing_emails;
DROP TABLE order_taxes;
DROP TABLE order_line_images;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE cart_item_images;
DROP TABLE cart_items;
ALTER TABLE shipping_methods DROP COLUMN pickup;
