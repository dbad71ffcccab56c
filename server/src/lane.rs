//! The fast lane: requests answered from memory before actix-web's App.
//!
//! A gallery page asks for dozens of thumbnails at once, and a client flicks back to the same
//! event page again and again. Those answers are in memory already (`gallery::serve`'s caches,
//! `events::page_cache`); going through the App to send them — its routing table, extractors,
//! and six middleware layers made for pages with forms — cost more than finding them. Measured
//! with `bench/serve.sh`, the lane cut the server's own CPU time per thumbnail by ~40%.
//!
//! What passes the lane:
//! - `GET`/`HEAD /images/…`: always answered here, with the same access check as the event
//!   page ([`crate::events::access`]) and the same security headers and error pages as the App.
//! - `GET /events/…` with a kept page for this session and address: answered here. Otherwise
//!   the request goes on to the App, carrying the session the lane already looked up.
//!
//! Nothing that changes state passes here, so the App's CSRF checks, cookie writing and
//! kept-page upkeep (all for state-changing requests) are not skipped for anything that needs
//! them.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use actix_http::Request;
use actix_web::HttpMessage;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{AppConfig, Response, Service, ServiceFactory, ServiceResponse};
use actix_web::http::Method;

use crate::auth::Auth;
use crate::auth::browser_session::CurrentSession;
use crate::events::Events;
use crate::gallery::Gallery;
use crate::web::State;

/// What the lane answers from: the shared state and the parts of the features it serves.
#[derive(Clone)]
pub struct Parts {
    pub state: State,
    pub auth: Auth,
    pub events: Events,
    pub gallery: Gallery,
}

/// Wraps the App's factory: each worker's App service gets the lane in front of it.
pub struct Lane<F> {
    parts: Parts,
    app: F,
}

impl<F> Lane<F> {
    pub fn new(parts: Parts, app: F) -> Self {
        Self { parts, app }
    }
}

impl<F, B> ServiceFactory<Request> for Lane<F>
where
    F: ServiceFactory<Request, Config = AppConfig, Response = ServiceResponse<B>, InitError = ()>,
    F::Future: 'static,
    F::Service: 'static,
    F::Error: 'static,
    B: MessageBody + 'static,
{
    type Response = Response<EitherBody<BoxBody, B>>;
    type Error = F::Error;
    type Config = AppConfig;
    type Service = LaneService<F::Service>;
    type InitError = ();
    type Future = Pin<Box<dyn Future<Output = Result<Self::Service, ()>>>>;

    fn new_service(&self, config: AppConfig) -> Self::Future {
        let app = self.app.new_service(config);
        let parts = self.parts.clone();
        Box::pin(async move { Ok(LaneService { parts, app: Rc::new(app.await?) }) })
    }
}

pub struct LaneService<S> {
    parts: Parts,
    app: Rc<S>,
}

type Answer<B, E> = Pin<Box<dyn Future<Output = Result<Response<EitherBody<BoxBody, B>>, E>>>>;

impl<S, B> Service<Request> for LaneService<S>
where
    S: Service<Request, Response = ServiceResponse<B>> + 'static,
    B: MessageBody + 'static,
{
    type Response = Response<EitherBody<BoxBody, B>>;
    type Error = S::Error;
    type Future = Answer<B, S::Error>;

    actix_web::dev::forward_ready!(app);

    fn call(&self, req: Request) -> Self::Future {
        let method = req.method().clone();
        let path = req.path();
        if matches!(method, Method::GET | Method::HEAD) && path.starts_with("/images/") {
            let p = self.parts.clone();
            return Box::pin(async move {
                let res =
                    crate::gallery::serve::answer(&p.state, &p.auth, &p.events, &p.gallery, &req)
                        .await;
                Ok(res.map_body(|_, body| EitherBody::left(body)))
            });
        }
        if method == Method::GET && path.starts_with("/events/") {
            let p = self.parts.clone();
            let app = self.app.clone();
            return Box::pin(async move {
                // A failed lookup is left to the App, which answers it with its error page.
                let found = CurrentSession::from_headers(&p.state.pool, &p.auth, req.headers());
                if let Ok(session) = found.await {
                    if let Some(page) = p.events.pages.kept(&session, req.uri(), req.headers()) {
                        let mut res = Response::from(page);
                        p.state.security_headers.add_to(res.headers_mut());
                        return Ok(res.map_body(|_, body| EitherBody::left(body)));
                    }
                    req.extensions_mut().insert(session);
                }
                let res = app.call(req).await?;
                Ok(Response::from(res).map_body(|_, body| EitherBody::right(body)))
            });
        }
        let call = self.app.call(req);
        Box::pin(
            async move { Ok(Response::from(call.await?).map_body(|_, b| EitherBody::right(b))) },
        )
    }
}
