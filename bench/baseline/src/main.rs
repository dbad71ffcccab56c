//! The ceiling for `bench/serve.sh`: actix-web alone, answering `/{name}` with the bytes of
//! `DIR/name` held in memory — no middleware, session, access check or cache lookup. It tells
//! how much of a gap to nginx is actix itself and how much is Proofroom's own work.
//!
//! usage: bytes-baseline DIR PORT

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{App, HttpResponse, HttpServer, http::header, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(port)) = (args.next(), args.next()) else {
        eprintln!("usage: bytes-baseline DIR PORT");
        std::process::exit(2);
    };
    let port: u16 = port.parse().map_err(std::io::Error::other)?;
    let mut files = HashMap::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            files.insert(name.to_string(), web::Bytes::from(std::fs::read(&path)?));
        }
    }
    let files = Arc::new(files);
    HttpServer::new(move || {
        let files = files.clone();
        App::new().route(
            "/{name}",
            web::get().to(move |name: web::Path<String>| {
                let body = files.get(name.as_str()).cloned();
                async move {
                    let Some(body) = body else { return HttpResponse::NotFound().finish() };
                    let content_type =
                        if name.ends_with(".html") { "text/html" } else { "image/jpeg" };
                    HttpResponse::Ok()
                        .insert_header((header::CONTENT_TYPE, content_type))
                        .body(body)
                }
            }),
        )
    })
    .bind(("127.0.0.1", port))?
    .tcp_nodelay(true)
    .workers(2)
    .run()
    .await
}
