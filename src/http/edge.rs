//! What every request's address must be before a handler sees it: no control characters in its
//! path or its query, percent-decoded; and a client's `x-request-id` only when it is safe to log.
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
    .said("control-characters", &[("place", &place)])
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

/// The longest `x-request-id` kept from a client (a UUID is 36 characters; a load balancer's ids
/// are shorter still).
const MAX_REQUEST_ID: usize = 64;

/// Drops a client's `x-request-id` that is longer than [`MAX_REQUEST_ID`] or holds anything but
/// ASCII letters, digits and `-`, `_`, `.`, `:`, `/`, `+`: the id is copied into every log
/// line of the request, where spaces, quotes or `key=value` text would forge fields or lines.
/// The request then gets a fresh id, as one sent without any does.
pub(super) async fn drop_unsafe_request_id(mut request: Request, next: Next) -> Response {
    let safe = |id: &[u8]| {
        (1..=MAX_REQUEST_ID).contains(&id.len())
            && id.iter().all(|&b| {
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'+')
            })
    };
    let ids = request.headers().get_all(super::REQUEST_ID);
    let keep = ids.iter().count() == 1 && ids.iter().all(|id| safe(id.as_bytes()));
    if !keep {
        request.headers_mut().remove(super::REQUEST_ID);
    }
    next.run(request).await
}
