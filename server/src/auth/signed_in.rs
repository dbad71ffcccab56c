//! Extractors for pages only signed-in people use: a visitor is sent to sign in and brought
//! back to the page, instead of each handler writing that redirect itself.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};

use super::browser_session::{CurrentSession, Person};

/// A signed-in person and their browser session.
pub struct SignedIn {
    pub session: CurrentSession,
    pub person: Person,
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let current = CurrentSession::from_request(req, payload);
        let back_to = req.path().to_string();
        Box::pin(async move {
            let session = current.await?;
            match session.person().cloned() {
                Some(person) => Ok(SignedIn { session, person }),
                None => Err(SignInFirst::back_to(&back_to).into()),
            }
        })
    }
}

/// The answer to a visitor on a page for signed-in people: the sign-in page, which brings them
/// back to `next` (a path on this site).
#[derive(Debug)]
pub struct SignInFirst {
    next: String,
}

impl SignInFirst {
    pub fn back_to(path: &str) -> Self {
        Self { next: path.to_string() }
    }

    /// Where the visitor is sent: the sign-in page with `next` percent-encoded, so that the
    /// path reads back exactly as it was (`/` stays, so the address stays readable).
    pub fn location(&self) -> String {
        let mut next = String::with_capacity(self.next.len());
        for b in self.next.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                next.push(b as char);
            } else {
                next.push_str(&format!("%{b:02X}"));
            }
        }
        format!("/login?next={next}")
    }
}

impl std::fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sign in first, then back to {}", self.next)
    }
}

impl ResponseError for SignInFirst {
    fn status_code(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::SeeOther().insert_header((header::LOCATION, self.location())).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::SignInFirst;

    #[test]
    fn the_way_back_reads_back_as_the_path_it_was() {
        assert_eq!(SignInFirst::back_to("/orders").location(), "/login?next=/orders");
        assert_eq!(
            SignInFirst::back_to("/events/ab12/cart").location(),
            "/login?next=/events/ab12/cart"
        );
        assert_eq!(SignInFirst::back_to("/a%2Fb+c").location(), "/login?next=/a%252Fb%2Bc");
    }
}
