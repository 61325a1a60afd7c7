//! The web app for people: sign-in links and cookie sessions ([`sessions`]), and the pages with
//! their embedded assets ([`pages`]).
//!
//! The pages are a thin client of the same JSON API that bearer-token clients use: the browser's
//! session cookie authenticates through [`crate::http::extract::Auth`] exactly like a token, plus
//! the CSRF checks of [`crate::domain::session`] on every change. The rules (link lifetime,
//! session lifetime, cookie attributes, CSRF and origin checks) are pure functions in
//! [`crate::domain::session`]; the SQL is in [`crate::store`].

pub mod pages;
mod sessions;

pub use sessions::{SessionView, SigninLink};

use crate::http::AppState;
use utoipa_axum::router::OpenApiRouter;

/// The web app's routes: the session API (documented in `/openapi.json`) and the pages.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(sessions::router())
        .merge(pages::router())
}
