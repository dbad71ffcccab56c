-- How the studio's amounts and dates read (studio.toml locale), and tax rates the prices
-- already contain (included = true), kept with each order's taxes as they were.
ALTER TABLE studio ADD COLUMN locale TEXT NOT NULL DEFAULT 'en-US';
ALTER TABLE tax_rates ADD COLUMN included BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE order_taxes ADD COLUMN basis_points BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_taxes ADD COLUMN included BOOLEAN NOT NULL DEFAULT false;
