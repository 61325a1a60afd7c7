//! The ceiling for `POST /v1/verify`: a bare axum handler that parses a JSON body and does one
//! Ed25519 `verify_strict`, and nothing else (no request id, tracing, metrics, timeout or body
//! limit, no card format). `bench/load/run.sh` measures it beside the real service in the same
//! run, with the same wrk settings and the same card texts, and reports the ratio.
//!
//! ```text
//! cargo build --release --example bare_verify
//! bare_verify 127.0.0.1:8098 cards.txt bodies.txt   # then POST the lines of bodies.txt
//! ```
//!
//! It reads card texts (one per line), signs each text's bytes with a key of its own and writes
//! one JSON body `{"text": ..., "signature": ...}` per card to the bodies file, so every request
//! carries a different, valid signature over a card-sized message. It then serves until killed,
//! on the same runtime the service uses (multi-threaded tokio, `TOKIO_WORKER_THREADS` honoured).

use anyhow::Context as _;
use axum::{Json, Router, routing::post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use std::io::Write as _;
use std::sync::Arc;

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    text: String,
    /// The Ed25519 signature over `text`, standard base64.
    signature: String,
}

#[derive(serde::Serialize)]
struct VerifyReport {
    valid: bool,
}

fn verify(key: &VerifyingKey, body: &VerifyRequest) -> bool {
    let mut sig = [0u8; 64];
    match B64.decode_slice(&body.signature, &mut sig) {
        Ok(64) => key
            .verify_strict(body.text.as_bytes(), &Signature::from_bytes(&sig))
            .is_ok(),
        _ => false,
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, listen, cards, bodies] = args.as_slice() else {
        anyhow::bail!("usage: bare_verify LISTEN CARDS_FILE BODIES_OUT");
    };
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let texts = std::fs::read_to_string(cards).with_context(|| format!("reading {cards}"))?;
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(bodies).with_context(|| format!("creating {bodies}"))?,
    );
    for text in texts.lines().filter(|l| !l.is_empty()) {
        let body = VerifyRequest {
            text: text.to_owned(),
            signature: B64.encode(key.sign(text.as_bytes()).to_bytes()),
        };
        writeln!(out, "{}", serde_json::to_string(&body)?)?;
    }
    out.flush()?;

    let public = Arc::new(key.verifying_key());
    let app = Router::new().route(
        "/v1/verify",
        post(move |Json(body): Json<VerifyRequest>| {
            let public = Arc::clone(&public);
            async move {
                Json(VerifyReport {
                    valid: verify(&public, &body),
                })
            }
        }),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen.as_str())
            .await
            .with_context(|| format!("binding {listen}"))?;
        println!("bare_verify listening on http://{listen}");
        axum::serve(listener, app).await?;
        Ok(())
    })
}
