-- The studio: one row, its profile and online preferences.
CREATE TABLE studio (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    time_zone TEXT NOT NULL,
    currency TEXT NOT NULL,
    watermark_text TEXT,
    watermark_use_image BOOLEAN NOT NULL DEFAULT FALSE,
    watermark_position TEXT NOT NULL DEFAULT 'center',
    watermark_opacity DOUBLE PRECISION NOT NULL DEFAULT 0.35,
    allow_favorites BOOLEAN NOT NULL DEFAULT TRUE,
    allow_client_groups BOOLEAN NOT NULL DEFAULT TRUE,
    allow_yearbook_selection BOOLEAN NOT NULL DEFAULT TRUE,
    allow_guest_registration BOOLEAN NOT NULL DEFAULT TRUE,
    pay_by_card BOOLEAN NOT NULL DEFAULT FALSE,
    pay_at_studio BOOLEAN NOT NULL DEFAULT TRUE,
    keep_originals BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE branding_files (
    slot TEXT NOT NULL PRIMARY KEY,
    source_sha256 TEXT NOT NULL,
    store_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT NOT NULL PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE tax_rates (
    position INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    basis_points BIGINT NOT NULL,
    applies_to_shipping BOOLEAN NOT NULL
);

CREATE TABLE shipping_methods (
    id TEXT NOT NULL PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    price_cents BIGINT NOT NULL
);

CREATE TABLE promotions (
    code TEXT NOT NULL PRIMARY KEY,
    description TEXT NOT NULL,
    percent_off_basis_points BIGINT,
    amount_off_cents BIGINT,
    min_subtotal_cents BIGINT NOT NULL,
    starts_on DATE,
    ends_on DATE
);

CREATE TABLE price_lists (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE price_list_items (
    price_list_id TEXT NOT NULL REFERENCES price_lists(id) ON DELETE CASCADE,
    sku TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price_cents BIGINT NOT NULL,
    images_per_item INTEGER NOT NULL,
    taxable BOOLEAN NOT NULL,
    PRIMARY KEY (price_list_id, sku)
);

CREATE TABLE clients (
    id TEXT NOT NULL PRIMARY KEY,
    studio_client_id TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    address TEXT,
    login_name TEXT,
    password_hash TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE events (
    id TEXT NOT NULL PRIMARY KEY,
    studio_session_id TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL REFERENCES clients(id),
    description TEXT NOT NULL,
    session_date DATE NOT NULL,
    price_list_id TEXT REFERENCES price_lists(id),
    days_active INTEGER NOT NULL,
    first_online DATE NOT NULL,
    expires_on DATE NOT NULL,
    event_type TEXT NOT NULL,
    event_code TEXT,
    event_description TEXT,
    yearbook_selection BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX events_public_by_date ON events (event_type, session_date);

-- The studio groups a session's client sees as filters, in the studio's order.
CREATE TABLE event_online_groups (
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (event_id, name)
);

-- What the studio wants online for a session: one row per image file, uploaded or not yet.
CREATE TABLE session_images (
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    rating TEXT NOT NULL,
    PRIMARY KEY (event_id, file_name)
);

CREATE TABLE session_image_groups (
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    group_name TEXT NOT NULL,
    PRIMARY KEY (event_id, file_name, group_name)
);

-- An uploaded image; its id is the unguessable id in image URLs.
CREATE TABLE images (
    id TEXT NOT NULL PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    source_bytes BIGINT NOT NULL,
    source_format TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    original_key TEXT,
    watermark_version TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, file_name)
);

-- Files made from an image: master (clean, never served), proof and thumb (watermarked).
CREATE TABLE image_derivatives (
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    store_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    PRIMARY KEY (image_id, kind)
);
CREATE INDEX image_derivatives_by_key ON image_derivatives (store_key);
