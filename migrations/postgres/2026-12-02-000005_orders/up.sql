-- Ordering: carts kept on the server per person per event, orders with their lines and the
-- images picked for them, and the emails the site sends.

-- A shipping method collected at the studio needs no address.
ALTER TABLE shipping_methods ADD COLUMN pickup BOOLEAN NOT NULL DEFAULT FALSE;

-- A cart line: a price-list item (by SKU; its price is read at checkout, never stored here).
CREATE TABLE cart_items (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    person_id TEXT NOT NULL,
    person_kind TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cart_items_by_person ON cart_items (event_id, person_id);

-- The image picked for each of an item's slots (an item that takes N images has N slots).
CREATE TABLE cart_item_images (
    cart_item_id TEXT NOT NULL REFERENCES cart_items(id) ON DELETE CASCADE,
    slot INTEGER NOT NULL,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    PRIMARY KEY (cart_item_id, slot)
);

-- An order keeps copies of everything it was placed with (names, prices, file names), so it
-- outlives its gallery being taken down and price-list edits.
CREATE TABLE orders (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL UNIQUE,
    -- The checkout form's one-time key: sending the same form twice finds the first order.
    checkout_key TEXT NOT NULL UNIQUE,
    event_id TEXT NOT NULL,
    studio_session_id TEXT NOT NULL,
    event_description TEXT NOT NULL,
    person_id TEXT NOT NULL,
    person_kind TEXT NOT NULL,
    studio_client_id TEXT,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    shipping_method_id TEXT,
    shipping_name TEXT,
    address TEXT,
    promotion_code TEXT,
    subtotal_cents BIGINT NOT NULL,
    discount_cents BIGINT NOT NULL,
    shipping_cents BIGINT NOT NULL,
    tax_cents BIGINT NOT NULL,
    total_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    payment_status TEXT NOT NULL,
    stripe_payment_intent TEXT,
    -- Why the last card payment failed, shown to the client until one succeeds.
    payment_error TEXT,
    status TEXT NOT NULL,
    placed_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX orders_by_person ON orders (person_id, placed_at);
CREATE UNIQUE INDEX orders_by_payment_intent ON orders (stripe_payment_intent);

CREATE TABLE order_lines (
    order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_cents BIGINT NOT NULL,
    quantity INTEGER NOT NULL,
    line_cents BIGINT NOT NULL,
    taxable BOOLEAN NOT NULL,
    PRIMARY KEY (order_id, position)
);

CREATE TABLE order_line_images (
    order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    line_position INTEGER NOT NULL,
    slot INTEGER NOT NULL,
    image_id TEXT,
    file_name TEXT NOT NULL,
    PRIMARY KEY (order_id, line_position, slot)
);

CREATE TABLE order_taxes (
    order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    cents BIGINT NOT NULL,
    PRIMARY KEY (order_id, position)
);

-- Email waits here, written in the same transaction as what it tells of, until it has been
-- handed to the SMTP server (or written to the outbox folder); dedupe_key makes a second
-- attempt to send the same message (a webhook delivered twice) a no-op.
CREATE TABLE outgoing_emails (
    id TEXT PRIMARY KEY NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    send_after TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    sent_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX outgoing_emails_due ON outgoing_emails (sent_at, send_after);

-- Prepaid packages: an invoice the studio sold at the session (its own id), the items it holds,
-- and the image the client picks for each image of each print. Submitted is final, and kept
-- with copies of its session and client (and picked file names) until the studio has it, even
-- when the session is taken down first.
CREATE TABLE prepaid_invoices (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT REFERENCES events(id) ON DELETE SET NULL,
    studio_session_id TEXT NOT NULL,
    studio_client_id TEXT NOT NULL,
    client_name TEXT NOT NULL,
    paid_cents BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP
);
CREATE INDEX prepaid_invoices_by_event ON prepaid_invoices (event_id);

CREATE TABLE prepaid_items (
    invoice_id TEXT NOT NULL REFERENCES prepaid_invoices(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    images_per_item INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    PRIMARY KEY (invoice_id, position)
);

CREATE TABLE prepaid_picks (
    invoice_id TEXT NOT NULL REFERENCES prepaid_invoices(id) ON DELETE CASCADE,
    item_position INTEGER NOT NULL,
    unit INTEGER NOT NULL,
    slot INTEGER NOT NULL,
    image_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    PRIMARY KEY (invoice_id, item_position, unit, slot)
);

-- Email to clients: how many days before a gallery expires its client is reminded (0: never),
-- and when the client was told their images are online (galleries online before this
-- migration count as told).
ALTER TABLE studio ADD COLUMN expiry_reminder_days INTEGER NOT NULL DEFAULT 7;
ALTER TABLE events ADD COLUMN online_notice_at TIMESTAMP;
UPDATE events SET online_notice_at = created_at;
