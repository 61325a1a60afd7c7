//! What every request's address must be before a handler sees it: no control characters in its
//! path or its query, percent-decoded.
//!
//! A NUL byte cannot be stored or even compared in PostgreSQL (`invalid byte sequence`, a 500
//! where SQLite took it), and other control characters forge log lines and break every later
//! reader of the text. Ids, search texts and filters come from the address, where no domain type
//! parses most of them: this refuses them once for every route with 400 `invalid_characters`.
//! Body fields are parsed by their domain types, which refuse control characters themselves and
//! name the field (422).

use super::ApiError;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

/// 400 `invalid_characters`, naming where the character was.
fn refused(place: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_characters",
        format!("{place} must not contain NUL or other control characters"),
    )
}

/// Refuses a request whose path or query, percent-decoded, holds a control character.
pub(super) async fn refuse_control_characters(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let decoded_has_control = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .chars()
            .any(char::is_control)
    };
    if decoded_has_control(uri.path()) {
        return refused("the path").into_response();
    }
    if uri.query().is_some_and(decoded_has_control) {
        return refused("the query").into_response();
    }
    next.run(request).await
}
