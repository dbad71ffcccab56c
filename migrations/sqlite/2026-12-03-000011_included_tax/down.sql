ALTER TABLE order_taxes DROP COLUMN included;
ALTER TABLE order_taxes DROP COLUMN basis_points;
ALTER TABLE tax_rates DROP COLUMN included;
ALTER TABLE studio DROP COLUMN locale;
