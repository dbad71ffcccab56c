//! The top floor: builds the server from its parts — the shared state, each feature's own
//! state, the routes — and runs it with its background work. Only `main` and the tests stand
//! above it.

use std::net::TcpListener;
use std::sync::Arc;

use actix_service::IntoServiceFactory;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web as aw};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::auth::{AuthState, browser_session};
use crate::config::Config;
use crate::events::EventsState;
use crate::gallery::GalleryState;
use crate::storage;
use crate::web::AppState;
use crate::{
    accounts, albums, auth, browse, checkout, client_groups, contracts, db, downloads, email,
    events, favorites, gallery, gallery_emails, lane, prepaid, site, studio_api, throttle, web,
    yearbook,
};

/// A built server, bound to its port, not yet running.
pub struct Application {
    server: Server,
    port: u16,
    state: aw::Data<AppState>,
    auth: aw::Data<AuthState>,
    events: aw::Data<EventsState>,
    gallery: aw::Data<GalleryState>,
    /// Deletes expired browser sessions while the server runs.
    session_cleanup: Option<auth::browser_session::CleanupTask>,
    /// Sends queued email while the server runs.
    email_sender: email::SenderTask,
    /// Queues the gallery emails (images online, expiry reminders) as they fall due.
    notices: gallery_emails::NoticeTask,
}

/// Registers the forgetting of each kind of kept copy when another server changed it. The
/// forgetters hold the states weakly: the listening thread must not keep a stopped server's
/// memory alive.
fn forget_what_others_change(
    changes: &db::changes::Changes,
    auth: &aw::Data<AuthState>,
    events: &aw::Data<EventsState>,
    gallery: &aw::Data<GalleryState>,
) {
    use db::changes::Kinds;
    let auth = std::sync::Arc::downgrade(&auth.clone().into_inner());
    let events = std::sync::Arc::downgrade(&events.clone().into_inner());
    let gallery = std::sync::Arc::downgrade(&gallery.clone().into_inner());
    changes.on_change(move |kinds| {
        if kinds.contains(Kinds::SESSIONS)
            && let Some(auth) = auth.upgrade()
        {
            auth.sessions.forget_here();
        }
        if let Some(events) = events.upgrade() {
            if kinds.contains(Kinds::ACCESS) {
                events.access.forget_here();
            }
            if kinds.contains(Kinds::PAGES) {
                events.pages.forget_here();
            }
        }
        if kinds.contains(Kinds::IMAGES)
            && let Some(gallery) = gallery.upgrade()
        {
            gallery.image_cache.forget_here();
        }
    });
}

impl Application {
    /// Opens the database (running migrations), the file store and the listening socket.
    pub fn build(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)?;
        let (pool, queries) = db::open_counted(&config.database_url(), config.max_db_connections)?;
        let (store, upload_dir) = storage::open(&config)?;
        // Pages may show images from the bucket (signed addresses): the browser must allow it.
        let image_source = match config.signed_image_links() {
            Some(_) => Some(storage::signed_url_source(store.as_ref())?),
            None => None,
        };
        if config.store == crate::config::StoreKind::Files && config.s3.signed_url_seconds > 0 {
            tracing::warn!("[s3] signed_url_seconds has no effect with store = \"files\"");
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let listener = TcpListener::bind((config.host.as_str(), config.port)).map_err(|e| {
            anyhow::anyhow!("cannot listen on {}:{}: {e}", config.host, config.port)
        })?;
        let port = listener.local_addr()?.port();
        let mailer = Arc::new(email::Mailer::from_config(&config)?);
        let site_key = {
            let mut conn = pool.get()?;
            auth::browser_session::SiteKey::load_or_create(&mut conn)
                .map_err(|e| anyhow::anyhow!("reading the site's signing key: {e}"))?
        };
        // With several servers on one PostgreSQL database, what one changes the others forget.
        let changes = db::changes::Changes::start(
            &db::DbUrl::parse(&config.database_url())
                .map_err(|e| anyhow::anyhow!("database_url: {e}"))?,
        );
        let state = aw::Data::new(AppState {
            changes: changes.clone(),
            pool,
            queries,
            store,
            templates: web::templates()?,
            upload_dir,
            throttles: throttle::Throttles::new(&config),
            security_headers: web::SecurityHeaders::new(image_source.as_deref())
                .map_err(|e| anyhow::anyhow!("the bucket's address in a header: {e}"))?,
            mailer: mailer.clone(),
            site_url: config.public_url(port),
            config: config.clone(),
        });
        let auth = aw::Data::new(AuthState {
            sessions: auth::browser_session::SessionCache::new(changes.clone()),
            site_key,
            passwords: auth::passwords::PasswordWork::new(cores),
        });
        let events = aw::Data::new(EventsState {
            access: events::access::AccessCache::new(changes.clone()),
            pages: events::page_cache::PageCache::new(config.page_cache_bytes, changes.clone()),
        });
        let gallery = aw::Data::new(GalleryState::new(&config, events.clone(), changes.clone()));
        forget_what_others_change(&changes, &auth, &events, &gallery);
        let payments = aw::Data::new(checkout::Payments {
            stripe: checkout::stripe::Stripe::from_config(&config),
        });
        let app_state = state.clone();
        let (auth_part, events_part, gallery_part) =
            (auth.clone(), events.clone(), gallery.clone());
        let server = HttpServer::new(move || {
            let (app, openapi) = App::new()
                .into_utoipa_app()
                .openapi(studio_api::ApiDoc::openapi())
                .service(
                    utoipa_actix_web::scope("/api/v1")
                        .app_data(web::json_config())
                        .app_data(web::query_config())
                        .app_data(web::path_config())
                        .configure(studio_api::configure)
                        .route("/openapi.json", aw::get().to(studio_api::openapi_json)),
                )
                .split_for_parts();
            let app = app
                .app_data(app_state.clone())
                .app_data(auth_part.clone())
                .app_data(events_part.clone())
                .app_data(gallery_part.clone())
                .app_data(payments.clone())
                .app_data(aw::Data::new(openapi))
                .app_data(aw::Data::new(site::CartCounter(checkout::cart::count_of_person)))
                .app_data(web::path_config())
                .app_data(web::query_config())
                .wrap(from_fn(web::refuse_nul))
                .wrap(from_fn(web::warn_of_an_untrusted_proxy))
                .wrap(from_fn(site::html_errors))
                .wrap(app_state.security_headers.middleware())
                .wrap(from_fn(browser_session::write_cookies))
                .wrap(from_fn(studio_api::catalog_changes))
                .wrap(from_fn(events::page_cache::forget_after_changes))
                .wrap(from_fn(web::wait_until_others_heard))
                .app_data(web::form_config())
                // Routes are tried in order: the hottest first. (Image bytes, hotter still,
                // and kept pages are answered before the App: see `lane`.)
                .route("/events/{id}", aw::get().to(browse::event_page))
                .route("/", aw::get().to(browse::home))
                .route("/unlock", aw::post().to(events::unlock::unlock_any))
                .route("/login", aw::get().to(accounts::sign_in::login_page))
                .route("/login", aw::post().to(accounts::sign_in::login))
                .route("/logout", aw::post().to(accounts::sign_in::logout))
                .route("/account", aw::get().to(accounts::sign_in::account_page))
                .route("/account", aw::post().to(accounts::sign_in::save_account))
                .route("/register", aw::get().to(accounts::register::register_page))
                .route("/register", aw::post().to(accounts::register::register))
                .route("/register/confirm/{token}", aw::get().to(accounts::register::confirm_page))
                .route("/register/confirm/{token}", aw::post().to(accounts::register::confirm))
                .route("/forgot", aw::get().to(accounts::reset::forgot_page))
                .route("/forgot", aw::post().to(accounts::reset::forgot))
                .route("/reset/{token}", aw::get().to(accounts::reset::reset_page))
                .route("/reset/{token}", aw::post().to(accounts::reset::reset))
                .route("/my-events", aw::get().to(browse::my_events))
                .route("/invite/{token}", aw::get().to(events::unlock::follow_invite))
                .route("/events/{id}/unlock", aw::post().to(events::unlock::unlock_event))
                .route("/events/{id}/favorites", aw::get().to(favorites::favorites_page))
                .route("/events/{id}/favorites/send", aw::post().to(favorites::send_favorites))
                .route("/events/{id}/invites", aw::get().to(events::unlock::invites_page))
                .route("/events/{id}/invites", aw::post().to(events::unlock::create_invite))
                .route(
                    "/events/{id}/invites/{invite}/revoke",
                    aw::post().to(events::unlock::revoke_invite),
                )
                .route("/events/{id}/groups", aw::post().to(client_groups::create_group))
                .route(
                    "/events/{id}/groups/{group}/rename",
                    aw::post().to(client_groups::rename_group),
                )
                .route(
                    "/events/{id}/groups/{group}/delete",
                    aw::post().to(client_groups::delete_group),
                )
                .route(
                    "/events/{id}/groups/{group}/images",
                    aw::post().to(client_groups::change_members),
                )
                .route("/events/{id}/yearbook", aw::post().to(yearbook::pick))
                .route("/events/{id}/photos/{image}", aw::get().to(browse::photo_page))
                .route(
                    "/events/{id}/photos/{image}/favorite",
                    aw::post().to(favorites::set_favorite),
                )
                .route("/events/{id}/photos/{image}/note", aw::post().to(favorites::set_note))
                .route("/events/{id}/downloads", aw::get().to(downloads::pages::downloads_page))
                .route(
                    "/events/{id}/downloads/all.zip",
                    aw::get().to(downloads::pages::download_all),
                )
                .route(
                    "/events/{id}/downloads/{image}",
                    aw::get().to(downloads::pages::download_photo),
                )
                .route("/events/{id}/cart", aw::get().to(checkout::cart::cart_page))
                .route("/events/{id}/cart", aw::post().to(checkout::cart::add_to_cart))
                // Before `/cart/{line}`, which would take "update" for a line id.
                .route("/events/{id}/cart/update", aw::post().to(checkout::cart::update_cart))
                .route("/events/{id}/cart/{line}", aw::post().to(checkout::cart::update_line))
                .route(
                    "/events/{id}/cart/{line}/remove",
                    aw::post().to(checkout::cart::remove_line),
                )
                .route("/events/{id}/checkout", aw::get().to(checkout::place::checkout_page))
                .route("/events/{id}/checkout", aw::post().to(checkout::place::submit_checkout))
                .route(
                    "/events/{id}/checkout/totals",
                    aw::post().to(checkout::place::checkout_totals),
                )
                .route("/events/{id}/prepaid/{invoice}", aw::get().to(prepaid::pages::prepaid_page))
                .route(
                    "/events/{id}/prepaid/{invoice}",
                    aw::post().to(prepaid::pages::save_prepaid),
                )
                .route(
                    "/events/{id}/contracts/{contract}",
                    aw::get().to(contracts::pages::contract_page),
                )
                .route(
                    "/events/{id}/contracts/{contract}/sign",
                    aw::post().to(contracts::sign::sign_contract),
                )
                .route(
                    "/events/{id}/contracts/{contract}/signed.pdf",
                    aw::get().to(contracts::pages::signed_pdf),
                )
                .route("/events/{id}/albums/{album}", aw::get().to(albums::pages::album_page))
                .route("/events/{id}/albums/{album}/photos", aw::get().to(albums::pages::photos))
                .route(
                    "/events/{id}/albums/{album}/pages/{page}/{file}",
                    aw::get().to(albums::pages::page_image),
                )
                .route("/events/{id}/albums/{album}/notes", aw::post().to(albums::markup::add))
                .route(
                    "/events/{id}/albums/{album}/notes/{note}",
                    aw::post().to(albums::markup::update),
                )
                .route(
                    "/events/{id}/albums/{album}/notes/{note}/delete",
                    aw::post().to(albums::markup::delete),
                )
                .route(
                    "/events/{id}/albums/{album}/comments",
                    aw::post().to(albums::markup::comments),
                )
                .route("/events/{id}/albums/{album}/send", aw::post().to(albums::answer::send))
                .route(
                    "/events/{id}/albums/{album}/approve",
                    aw::post().to(albums::answer::approve),
                )
                .route("/cart", aw::get().to(checkout::cart::carts_page))
                .route("/orders", aw::get().to(checkout::orders::orders_page))
                .route("/orders/{number}", aw::get().to(checkout::orders::order_page))
                .route("/orders/{number}/pay", aw::get().to(checkout::payment::pay_page))
                .route("/orders/{number}/pay", aw::post().to(checkout::payment::pay))
                .route("/orders/{number}/payment", aw::get().to(checkout::payment::payment_state))
                .route("/stripe/webhook", aw::post().to(checkout::payment::stripe_webhook))
                .route("/branding/{slot}/{file}", aw::get().to(browse::branding_image))
                .route("/static/{name}", aw::get().to(web::static_asset))
                .route("/healthz", aw::get().to(|| async { "ok" }))
                .default_service(aw::to(web::not_found));
            let parts = lane::Parts {
                state: app_state.clone(),
                auth: auth_part.clone(),
                events: events_part.clone(),
                gallery: gallery_part.clone(),
            };
            lane::Lane::new(parts, app.into_factory())
        })
        .listen(listener)?
        .tcp_nodelay(true)
        .workers(config.workers.unwrap_or(cores).max(1))
        .run();
        // Bring proofs made under an older watermark up to date.
        gallery::rerender::start(state.clone(), gallery.clone());
        let session_cleanup = config
            .session_cleanup_every()
            .map(|every| auth::browser_session::start_cleanup(state.pool.clone(), every));
        let notices = gallery_emails::start(
            state.pool.clone(),
            mailer.clone(),
            state.site_url.clone(),
            std::time::Duration::from_secs(config.notice_seconds.max(1)),
        );
        let email_sender = email::start(state.pool.clone(), mailer);
        Ok(Self {
            server,
            port,
            state,
            auth,
            events,
            gallery,
            session_cleanup,
            email_sender,
            notices,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> aw::Data<AppState> {
        self.state.clone()
    }

    pub fn auth(&self) -> aw::Data<AuthState> {
        self.auth.clone()
    }

    pub fn events(&self) -> aw::Data<EventsState> {
        self.events.clone()
    }

    pub fn gallery(&self) -> aw::Data<GalleryState> {
        self.gallery.clone()
    }

    /// Forgets what was cached about events and images, as a studio push does; for work done
    /// on the database behind the server's back.
    pub fn catalog_changed(&self) {
        self.gallery.catalog_changed();
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped; the background work started with the server stops with it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self { server, session_cleanup, email_sender, notices, .. } = self;
        let result = server.await;
        drop(session_cleanup);
        drop(notices);
        drop(email_sender);
        result
    }
}
