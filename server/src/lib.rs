//! Proofroom's server: the client-facing site and the studio API.
//!
//! Organised by feature (`events`, `gallery`, `studio`, `studio_api`) with shared pieces beside
//! them (`config`, `db`, `storage`, `images`, `error`, `web`).

pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod gallery;
pub mod images;
pub mod storage;
pub mod studio;
pub mod studio_api;
pub mod web;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web as aw};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::config::Config;
use crate::storage::FileStore;
use crate::web::AppState;

/// A built server, bound to its port, not yet running.
pub struct Application {
    server: Server,
    port: u16,
    state: aw::Data<AppState>,
}

impl Application {
    /// Opens the database (running migrations), the file store and the listening socket.
    pub fn build(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)?;
        let pool = db::open(&config.database_url(), config.max_db_connections)?;
        let files = FileStore::new(config.data_dir.join("files"))?;
        let upload_dir = config.data_dir.join("files").join(".tmp");
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let state = aw::Data::new(AppState {
            pool,
            store: Arc::new(files),
            templates: web::templates()?,
            upload_dir,
            ingest_slots: tokio::sync::Semaphore::new(config.ingest_jobs.unwrap_or(cores).max(1)),
            rerender: Default::default(),
            watermark_cache: Default::default(),
            file_lock: Default::default(),
            upload_bodies_read: Default::default(),
            config: config.clone(),
        });
        let listener = TcpListener::bind((config.host.as_str(), config.port)).map_err(|e| {
            anyhow::anyhow!("cannot listen on {}:{}: {e}", config.host, config.port)
        })?;
        let port = listener.local_addr()?.port();
        let app_state = state.clone();
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
            app.app_data(app_state.clone())
                .app_data(aw::Data::new(openapi))
                .app_data(web::path_config())
                .app_data(web::query_config())
                .wrap(from_fn(web::html_errors))
                .wrap(web::security_headers())
                .route("/", aw::get().to(events::pages::home))
                .route("/events/{id}", aw::get().to(events::pages::event_page))
                .route("/images/{id}/{kind}/{file}", aw::get().to(gallery::serve::image_bytes))
                .route("/branding/{slot}/{file}", aw::get().to(events::pages::branding_image))
                .route("/static/{name}", aw::get().to(web::static_asset))
                .route("/healthz", aw::get().to(|| async { "ok" }))
                .default_service(aw::to(web::not_found))
        })
        .listen(listener)?
        .tcp_nodelay(true)
        .workers(config.workers.unwrap_or(cores).max(1))
        .run();
        // Bring proofs made under an older watermark up to date.
        gallery::rerender::start(state.clone());
        Ok(Self { server, port, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> aw::Data<AppState> {
        self.state.clone()
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
