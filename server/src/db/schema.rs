//! Diesel's view of the tables in `migrations/`; one schema for both backends, so it uses only
//! the column types both share (no Uuid, no Timestamptz: ids are text, times UTC `Timestamp`).

diesel::table! {
    studio (id) {
        id -> Text,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        time_zone -> Text,
        currency -> Text,
        watermark_text -> Nullable<Text>,
        watermark_use_image -> Bool,
        watermark_position -> Text,
        watermark_opacity -> Double,
        allow_favorites -> Bool,
        allow_client_groups -> Bool,
        allow_yearbook_selection -> Bool,
        allow_guest_registration -> Bool,
        pay_by_card -> Bool,
        pay_at_studio -> Bool,
        keep_originals -> Bool,
        updated_at -> Timestamp,
        expiry_reminder_days -> Integer,
        locale -> Text,
        signer -> Nullable<Text>,
        album_watermark -> Bool,
        album_remind_after_days -> Integer,
    }
}

diesel::table! {
    branding_files (slot) {
        slot -> Text,
        source_sha256 -> Text,
        store_key -> Text,
        content_type -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        token_sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tax_rates (position) {
        position -> Integer,
        name -> Text,
        basis_points -> BigInt,
        applies_to_shipping -> Bool,
        included -> Bool,
    }
}

diesel::table! {
    shipping_methods (id) {
        id -> Text,
        position -> Integer,
        name -> Text,
        price_cents -> BigInt,
        pickup -> Bool,
    }
}

diesel::table! {
    promotions (code) {
        code -> Text,
        description -> Text,
        percent_off_basis_points -> Nullable<BigInt>,
        amount_off_cents -> Nullable<BigInt>,
        min_subtotal_cents -> BigInt,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
    }
}

diesel::table! {
    price_lists (id) {
        id -> Text,
        name -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    price_list_items (price_list_id, sku) {
        price_list_id -> Text,
        sku -> Text,
        position -> Integer,
        name -> Text,
        category -> Text,
        price_cents -> BigInt,
        images_per_item -> Integer,
        taxable -> Bool,
        print_names -> Text,
        kind -> Text,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        studio_client_id -> Text,
        first_name -> Text,
        last_name -> Text,
        email -> Text,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        login_name -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        studio_session_id -> Text,
        client_id -> Text,
        description -> Text,
        session_date -> Date,
        price_list_id -> Nullable<Text>,
        days_active -> Integer,
        first_online -> Date,
        expires_on -> Date,
        event_type -> Text,
        event_code -> Nullable<Text>,
        event_description -> Nullable<Text>,
        yearbook_selection -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        manifest_sha256 -> Nullable<Text>,
        expiry_override -> Nullable<Date>,
        online_notice_at -> Nullable<Timestamp>,
        cover_file -> Nullable<Text>,
        choose_count -> Nullable<Integer>,
        choose_by -> Nullable<Date>,
        choose_fewer -> Bool,
        downloads -> Text,
        download_size -> Text,
    }
}

diesel::table! {
    event_online_groups (event_id, name) {
        event_id -> Text,
        name -> Text,
        position -> Integer,
    }
}

diesel::table! {
    session_images (event_id, file_name) {
        event_id -> Text,
        file_name -> Text,
        rating -> Text,
    }
}

diesel::table! {
    session_image_groups (event_id, file_name, group_name) {
        event_id -> Text,
        file_name -> Text,
        group_name -> Text,
    }
}

diesel::table! {
    images (id) {
        id -> Text,
        event_id -> Text,
        file_name -> Text,
        source_sha256 -> Text,
        source_bytes -> BigInt,
        source_format -> Text,
        width -> Integer,
        height -> Integer,
        original_key -> Nullable<Text>,
        watermark_version -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    image_derivatives (image_id, kind) {
        image_id -> Text,
        kind -> Text,
        store_key -> Text,
        sha256 -> Text,
        bytes -> BigInt,
        width -> Integer,
        height -> Integer,
    }
}

diesel::table! {
    guests (id) {
        id -> Text,
        name -> Text,
        email -> Text,
        email_key -> Text,
        password_hash -> Text,
        event_id -> Nullable<Text>,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_links (id) {
        id -> Text,
        purpose -> Text,
        client_id -> Nullable<Text>,
        guest_id -> Nullable<Text>,
        web_session_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    site_keys (name) {
        name -> Text,
        secret -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> Text,
        client_id -> Nullable<Text>,
        guest_id -> Nullable<Text>,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    throttle_counts (throttle_key) {
        throttle_key -> Text,
        window_started_at -> Timestamp,
        attempts -> Integer,
    }
}

diesel::table! {
    job_claims (job) {
        job -> Text,
        holder -> Text,
        held_until -> Timestamp,
    }
}

diesel::table! {
    guest_invites (id) {
        id -> Text,
        event_id -> Text,
        token -> Text,
        guest_name -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    event_passes (id) {
        id -> Text,
        event_id -> Text,
        web_session_id -> Nullable<Text>,
        guest_id -> Nullable<Text>,
        code -> Nullable<Text>,
        invite_id -> Nullable<Text>,
        created_at -> Timestamp,
        client_id -> Nullable<Text>,
    }
}

diesel::table! {
    favorites_sent (event_id, person_id) {
        event_id -> Text,
        person_id -> Text,
        person_kind -> Text,
        image_count -> Integer,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    favorites (image_id, person_id) {
        image_id -> Text,
        person_id -> Text,
        event_id -> Text,
        person_kind -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    person_groups (id) {
        id -> Text,
        event_id -> Text,
        person_id -> Text,
        person_kind -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    person_group_images (group_id, image_id) {
        group_id -> Text,
        image_id -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    yearbook_picks (event_id) {
        event_id -> Text,
        image_id -> Text,
        client_id -> Text,
        picked_at -> Timestamp,
    }
}

diesel::table! {
    event_videos (event_id, video_id) {
        event_id -> Text,
        video_id -> Text,
        position -> Integer,
        description -> Text,
        embed_url -> Text,
    }
}

diesel::table! {
    feed_items (seq) {
        seq -> BigInt,
        kind -> Text,
        subject -> Text,
        created_at -> Timestamp,
        downloaded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    cart_items (id) {
        id -> Text,
        event_id -> Text,
        person_id -> Text,
        person_kind -> Text,
        sku -> Text,
        quantity -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cart_item_images (cart_item_id, slot) {
        cart_item_id -> Text,
        slot -> Integer,
        image_id -> Text,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        number -> Text,
        checkout_key -> Text,
        event_id -> Text,
        studio_session_id -> Text,
        event_description -> Text,
        person_id -> Text,
        person_kind -> Text,
        studio_client_id -> Nullable<Text>,
        name -> Text,
        email -> Text,
        phone -> Nullable<Text>,
        shipping_method_id -> Nullable<Text>,
        shipping_name -> Nullable<Text>,
        address -> Nullable<Text>,
        promotion_code -> Nullable<Text>,
        subtotal_cents -> BigInt,
        discount_cents -> BigInt,
        shipping_cents -> BigInt,
        tax_cents -> BigInt,
        total_cents -> BigInt,
        currency -> Text,
        payment_method -> Text,
        payment_status -> Text,
        stripe_payment_intent -> Nullable<Text>,
        payment_error -> Nullable<Text>,
        status -> Text,
        placed_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    order_lines (order_id, position) {
        order_id -> Text,
        position -> Integer,
        sku -> Text,
        name -> Text,
        unit_cents -> BigInt,
        quantity -> Integer,
        line_cents -> BigInt,
        taxable -> Bool,
        kind -> Text,
    }
}

diesel::table! {
    order_line_images (order_id, line_position, slot) {
        order_id -> Text,
        line_position -> Integer,
        slot -> Integer,
        image_id -> Nullable<Text>,
        file_name -> Text,
    }
}

diesel::table! {
    downloads (id) {
        id -> Text,
        event_id -> Text,
        image_id -> Text,
        file_name -> Text,
        person_id -> Text,
        person_kind -> Text,
        bought -> Bool,
        size -> Text,
        in_zip -> Bool,
        downloaded_at -> Timestamp,
    }
}

diesel::table! {
    order_taxes (order_id, position) {
        order_id -> Text,
        position -> Integer,
        name -> Text,
        cents -> BigInt,
        basis_points -> BigInt,
        included -> Bool,
    }
}

diesel::table! {
    outgoing_emails (id) {
        id -> Text,
        dedupe_key -> Text,
        to_address -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        send_after -> Timestamp,
        attempts -> Integer,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        from_name -> Nullable<Text>,
        reply_to -> Nullable<Text>,
        html_body -> Nullable<Text>,
        attachment_name -> Nullable<Text>,
        attachment_type -> Nullable<Text>,
        attachment -> Nullable<Binary>,
    }
}

diesel::table! {
    prepaid_invoices (id) {
        id -> Text,
        event_id -> Nullable<Text>,
        studio_session_id -> Text,
        studio_client_id -> Text,
        client_name -> Text,
        paid_cents -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    prepaid_items (invoice_id, position) {
        invoice_id -> Text,
        position -> Integer,
        sku -> Text,
        name -> Text,
        images_per_item -> Integer,
        quantity -> Integer,
        print_names -> Text,
    }
}

diesel::table! {
    prepaid_picks (invoice_id, item_position, unit, slot) {
        invoice_id -> Text,
        item_position -> Integer,
        unit -> Integer,
        slot -> Integer,
        image_id -> Text,
        file_name -> Text,
    }
}

diesel::table! {
    store_leases (store_key) {
        store_key -> Text,
        holders -> Integer,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(price_list_items -> price_lists (price_list_id));
diesel::joinable!(events -> clients (client_id));
diesel::joinable!(event_online_groups -> events (event_id));
diesel::joinable!(images -> events (event_id));
diesel::joinable!(image_derivatives -> images (image_id));
diesel::joinable!(event_passes -> events (event_id));
diesel::joinable!(favorites_sent -> events (event_id));
diesel::joinable!(event_passes -> guest_invites (invite_id));
diesel::joinable!(guest_invites -> events (event_id));
diesel::joinable!(favorites -> images (image_id));
diesel::joinable!(person_group_images -> person_groups (group_id));
diesel::joinable!(person_group_images -> images (image_id));
diesel::joinable!(yearbook_picks -> images (image_id));
diesel::joinable!(event_videos -> events (event_id));
diesel::joinable!(cart_items -> events (event_id));
diesel::joinable!(cart_item_images -> cart_items (cart_item_id));
diesel::joinable!(cart_item_images -> images (image_id));
diesel::joinable!(order_lines -> orders (order_id));
diesel::joinable!(order_line_images -> orders (order_id));
diesel::joinable!(order_taxes -> orders (order_id));
diesel::joinable!(downloads -> events (event_id));
diesel::joinable!(prepaid_invoices -> events (event_id));
diesel::table! {
    contracts (id) {
        id -> Text,
        event_id -> Nullable<Text>,
        studio_session_id -> Text,
        studio_contract_id -> Text,
        client_id -> Text,
        title -> Text,
        due -> Nullable<Date>,
        source_sha256 -> Text,
        source_markdown -> Text,
        document_markdown -> Text,
        document_html -> Text,
        document_sha256 -> Text,
        published_at -> Timestamp,
        updated_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
        audit_rows -> Integer,
        audit_head -> Text,
    }
}

diesel::table! {
    contract_signatures (contract_id) {
        contract_id -> Text,
        document_sha256 -> Text,
        signer_name -> Text,
        client_name -> Text,
        legal_name_confirmed -> Bool,
        email -> Text,
        studio_client_id -> Text,
        signed_at -> Timestamp,
        signed_at_local -> Text,
        ip_address -> Text,
        user_agent -> Text,
        consent_text -> Text,
        drawing_png -> Nullable<Binary>,
        drawing_sha256 -> Nullable<Text>,
        evidence_json -> Text,
        pdf -> Binary,
        pdf_sha256 -> Text,
    }
}

diesel::table! {
    contract_audit (contract_id, position) {
        contract_id -> Text,
        position -> Integer,
        at -> Timestamp,
        action -> Text,
        detail -> Text,
        prev_sha256 -> Text,
        sha256 -> Text,
    }
}

diesel::joinable!(prepaid_items -> prepaid_invoices (invoice_id));
diesel::joinable!(prepaid_picks -> prepaid_invoices (invoice_id));
diesel::joinable!(contracts -> events (event_id));
diesel::joinable!(contract_signatures -> contracts (contract_id));
diesel::joinable!(contract_audit -> contracts (contract_id));

diesel::table! {
    albums (id) {
        id -> Text,
        event_id -> Text,
        studio_album_id -> Text,
        description -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    album_revisions (id) {
        id -> Text,
        album_id -> Text,
        number -> Integer,
        ready_at -> Nullable<Timestamp>,
        decision -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        answered_by -> Nullable<Text>,
        approved_name -> Nullable<Text>,
        general_comment -> Text,
        notified_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    album_pages (id) {
        id -> Text,
        revision_id -> Text,
        position -> Integer,
        file_name -> Text,
        source_sha256 -> Text,
        source_bytes -> BigInt,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        clean_key -> Nullable<Text>,
        view_key -> Nullable<Text>,
        thumb_key -> Nullable<Text>,
        comment -> Text,
    }
}

diesel::table! {
    album_notes (id) {
        id -> Text,
        page_id -> Text,
        x -> Double,
        y -> Double,
        body -> Text,
        swap_image_id -> Nullable<Text>,
        swap_file_name -> Nullable<Text>,
        author_id -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(albums -> events (event_id));
diesel::joinable!(album_revisions -> albums (album_id));
diesel::joinable!(album_pages -> album_revisions (revision_id));
diesel::joinable!(album_notes -> album_pages (page_id));

diesel::allow_tables_to_appear_in_same_query!(
    studio,
    branding_files,
    api_tokens,
    tax_rates,
    shipping_methods,
    promotions,
    price_lists,
    price_list_items,
    clients,
    events,
    event_online_groups,
    session_images,
    session_image_groups,
    images,
    image_derivatives,
    guests,
    login_links,
    site_keys,
    web_sessions,
    guest_invites,
    event_passes,
    favorites,
    favorites_sent,
    person_groups,
    person_group_images,
    yearbook_picks,
    event_videos,
    feed_items,
    cart_items,
    cart_item_images,
    orders,
    order_lines,
    order_line_images,
    order_taxes,
    downloads,
    outgoing_emails,
    prepaid_invoices,
    prepaid_items,
    prepaid_picks,
    contracts,
    contract_signatures,
    contract_audit,
    albums,
    album_revisions,
    album_pages,
    album_notes,
    store_leases,
    throttle_counts,
    job_claims,
);
