//! A hostile OpenID provider for the single sign-on tests, which the real `oidc-provider` cannot
//! be made into: a real HTTP server on a loopback port inside the test process, serving a
//! discovery document, a JWKS of Ed25519 keys (OKP JWKs), an authorization endpoint that sends
//! the browser straight back to the callback with a `code` and the `state` it was given (keeping
//! the `nonce` for that code), and a token endpoint answering an ID token for that nonce. What it
//! does wrong is the current [`Scenario`], switchable between sign-ins: garbage, a stall, a
//! trickle, an endless answer at one endpoint, or an ID token with one fault. Which keys the JWKS
//! publishes and which one signs can change too (key rotation).
//!
//! It also holds a silent listener: it accepts TCP connections and never answers a byte.

use axum::Router;
use axum::body::Body;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The client id the provider issues tokens for.
pub const CLIENT_ID: &str = "namecard";

/// The signing keys it knows: the first two can be published, the stray one never is.
pub const FIRST_KEY: &str = "rogue-1";
pub const SECOND_KEY: &str = "rogue-2";
pub const STRAY_KEY: &str = "rogue-stray";

/// One of the provider's endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Discovery,
    Jwks,
    Token,
}

/// What the provider does on the next requests.
#[derive(Debug, Clone)]
pub enum Scenario {
    /// Everything as OpenID Connect says: a valid ID token for the attempt.
    Honest,
    /// A proper exchange whose ID token has this fault.
    Token(Fault),
    /// `at` answers `status` with `body` as `content_type`.
    Garbage {
        at: Endpoint,
        status: u16,
        content_type: &'static str,
        body: &'static str,
    },
    /// `at` answers nothing, not even its headers, for a minute.
    Stalls { at: Endpoint },
    /// `at` sends its headers at once, then a byte of its body every 200 ms, without end.
    Trickles { at: Endpoint },
    /// `at` sends its headers, then bytes without end, as fast as it can.
    Endless { at: Endpoint },
    /// The discovery document names the silent listener as the token endpoint.
    SilentTokenEndpoint,
}

/// What is wrong with an ID token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Not a JWS at all.
    Malformed,
    /// `iss` names another issuer.
    WrongIssuer,
    /// `aud` names another client.
    WrongAudience,
    /// `exp` passed a minute ago.
    Expired,
    /// `iat` is an hour ahead (and `exp` later still).
    IssuedInTheFuture,
    /// Unsigned: `alg: none`.
    AlgNone,
    /// HS256 with the published public key's bytes as the shared secret.
    Hs256WithThePublicKey,
    /// Signed by the published key, then its payload changed (another subject and e-mail).
    BadSignature,
    /// Signed by the stray key, whose `kid` no JWKS ever has.
    UnknownKid,
    /// Another attempt's nonce.
    WrongNonce,
    /// The ID token of the previous sign-in, sent again.
    Replayed,
}

struct Key {
    kid: &'static str,
    encoding: jsonwebtoken::EncodingKey,
    public: [u8; 32],
}

impl Key {
    fn new(kid: &'static str, seed: u8) -> Self {
        use ed25519_dalek::pkcs8::EncodePrivateKey as _;
        let signing = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let der = signing.to_pkcs8_der().expect("a PKCS#8 key");
        Self {
            kid,
            encoding: jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
            public: signing.verifying_key().to_bytes(),
        }
    }

    fn jwk(&self) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(self.public),
               "kid": self.kid, "use": "sig", "alg": "EdDSA"})
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some(self.kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("a signed token")
    }
}

struct Shared {
    issuer: String,
    silent: String,
    keys: Vec<Key>,
    scenario: Mutex<Scenario>,
    published: Mutex<Vec<&'static str>>,
    signing: Mutex<&'static str>,
    /// The nonce each issued code was asked with.
    codes: Mutex<HashMap<String, String>>,
    last_token: Mutex<Option<String>>,
    issued: AtomicUsize,
    jwks_fetches: AtomicUsize,
}

impl Shared {
    fn key(&self, kid: &str) -> &Key {
        self.keys
            .iter()
            .find(|k| k.kid == kid)
            .expect("a known kid")
    }
}

/// The hostile provider; its server and its silent listener stop when it is dropped.
pub struct RogueIdp {
    /// `http://127.0.0.1:<port>`, the `issuer` of its discovery document and tokens.
    pub issuer: String,
    /// A loopback address that accepts connections and never answers.
    pub silent: String,
    shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for RogueIdp {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl RogueIdp {
    /// Listens on two loopback ports: honest, publishing and signing with [`FIRST_KEY`].
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let silent_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let issuer = format!("http://{}", listener.local_addr().expect("an address"));
        let silent = format!(
            "http://{}",
            silent_listener.local_addr().expect("an address")
        );
        let shared = Arc::new(Shared {
            issuer: issuer.clone(),
            silent: silent.clone(),
            keys: vec![
                Key::new(FIRST_KEY, 1),
                Key::new(SECOND_KEY, 2),
                Key::new(STRAY_KEY, 3),
            ],
            scenario: Mutex::new(Scenario::Honest),
            published: Mutex::new(vec![FIRST_KEY]),
            signing: Mutex::new(FIRST_KEY),
            codes: Mutex::new(HashMap::new()),
            last_token: Mutex::new(None),
            issued: AtomicUsize::new(0),
            jwks_fetches: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        // Every connection is kept open and never read or answered.
        let quiet = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = silent_listener.accept().await {
                held.push(stream);
            }
        });
        Self {
            issuer,
            silent,
            shared,
            tasks: vec![server, quiet],
        }
    }

    /// What the provider does from now on.
    pub fn play(&self, scenario: Scenario) {
        *self.shared.scenario.lock().unwrap() = scenario;
    }

    /// The keys its JWKS has from now on.
    pub fn publish(&self, kids: &[&'static str]) {
        *self.shared.published.lock().unwrap() = kids.to_vec();
    }

    /// The key honest tokens are signed with from now on.
    pub fn sign_with(&self, kid: &'static str) {
        *self.shared.signing.lock().unwrap() = kid;
    }

    /// How many times its JWKS was fetched.
    pub fn jwks_fetches(&self) -> usize {
        self.shared.jwks_fetches.load(Ordering::SeqCst)
    }
}

/// The misbehaviour of the current scenario at `at`, if it has one there.
async fn misbehaviour(shared: &Shared, at: Endpoint) -> Option<Response> {
    let scenario = shared.scenario.lock().unwrap().clone();
    match scenario {
        Scenario::Garbage {
            at: here,
            status,
            content_type,
            body,
        } if here == at => Some(
            (
                StatusCode::from_u16(status).expect("a status"),
                [(header::CONTENT_TYPE, content_type)],
                body,
            )
                .into_response(),
        ),
        Scenario::Stalls { at: here } if here == at => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Some(StatusCode::GATEWAY_TIMEOUT.into_response())
        }
        Scenario::Trickles { at: here } if here == at => {
            let bytes = futures::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from_static(b" ")), ()))
            });
            Some(json_stream(bytes))
        }
        Scenario::Endless { at: here } if here == at => {
            let chunk = bytes::Bytes::from(vec![b' '; 16 * 1024]);
            let bytes =
                futures::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
            Some(json_stream(bytes))
        }
        _ => None,
    }
}

fn json_stream<S>(bytes: S) -> Response
where
    S: futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static,
{
    (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(bytes),
    )
        .into_response()
}

async fn discovery(State(shared): State<Arc<Shared>>) -> Response {
    if let Some(answer) = misbehaviour(&shared, Endpoint::Discovery).await {
        return answer;
    }
    let issuer = &shared.issuer;
    let token_endpoint = match *shared.scenario.lock().unwrap() {
        Scenario::SilentTokenEndpoint => format!("{}/token", shared.silent),
        _ => format!("{issuer}/token"),
    };
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": token_endpoint,
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
    }))
    .into_response()
}

async fn jwks(State(shared): State<Arc<Shared>>) -> Response {
    shared.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    if let Some(answer) = misbehaviour(&shared, Endpoint::Jwks).await {
        return answer;
    }
    let published = shared.published.lock().unwrap().clone();
    let keys: Vec<Value> = published.iter().map(|kid| shared.key(kid).jwk()).collect();
    axum::Json(json!({ "keys": keys })).into_response()
}

/// Sends the browser straight back with a fresh code for the nonce it was given.
async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (Some(redirect), Some(state)) = (query.get("redirect_uri"), query.get("state")) else {
        return (StatusCode::BAD_REQUEST, "redirect_uri and state, please").into_response();
    };
    let code = format!("code-{}", shared.issued.fetch_add(1, Ordering::SeqCst));
    let nonce = query.get("nonce").cloned().unwrap_or_default();
    shared.codes.lock().unwrap().insert(code.clone(), nonce);
    let mut back = url::Url::parse(redirect).expect("a redirect URI");
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", state);
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, back.to_string())],
    )
        .into_response()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// Trades a code it issued (once) for an ID token of the current scenario.
async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(answer) = misbehaviour(&shared, Endpoint::Token).await {
        return answer;
    }
    let code = form.get("code").map(String::as_str).unwrap_or("");
    let nonce = shared.codes.lock().unwrap().remove(code);
    let authenticated = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Basic "));
    let Some(nonce) = nonce.filter(|_| authenticated && form.contains_key("code_verifier")) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let fault = match *shared.scenario.lock().unwrap() {
        Scenario::Token(fault) => Some(fault),
        _ => None,
    };
    let now = now();
    let mut claims = json!({
        "iss": shared.issuer, "sub": "ada", "aud": CLIENT_ID, "exp": now + 300, "iat": now,
        "nonce": nonce, "email": "ada@acme.example", "email_verified": true,
    });
    match fault {
        Some(Fault::WrongIssuer) => claims["iss"] = json!("http://127.0.0.1:1"),
        Some(Fault::WrongAudience) => claims["aud"] = json!("someone-else"),
        Some(Fault::Expired) => {
            claims["iat"] = json!(now - 600);
            claims["exp"] = json!(now - 60);
        }
        Some(Fault::IssuedInTheFuture) => {
            claims["iat"] = json!(now + 3600);
            claims["exp"] = json!(now + 7200);
        }
        Some(Fault::WrongNonce) => claims["nonce"] = json!("the-nonce-of-another-attempt"),
        _ => {}
    }
    let signing = *shared.signing.lock().unwrap();
    let key = shared.key(signing);
    let id_token = match fault {
        Some(Fault::Malformed) => "this.is-not-a.jwt".to_owned(),
        Some(Fault::AlgNone) => {
            let header = json!({"alg": "none", "typ": "JWT"});
            format!("{}.{}.", b64(&header), b64(&claims))
        }
        Some(Fault::Hs256WithThePublicKey) => {
            use hmac::Mac as _;
            let header = json!({"alg": "HS256", "typ": "JWT", "kid": key.kid});
            let input = format!("{}.{}", b64(&header), b64(&claims));
            let mut mac =
                hmac::Hmac::<sha2::Sha256>::new_from_slice(&key.public).expect("any key length");
            mac.update(input.as_bytes());
            let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
            format!("{input}.{signature}")
        }
        Some(Fault::BadSignature) => {
            let signed = key.sign(&claims);
            let mut parts: Vec<String> = signed.split('.').map(str::to_owned).collect();
            claims["sub"] = json!("mallory");
            claims["email"] = json!("mallory@acme.example");
            parts[1] = b64(&claims);
            parts.join(".")
        }
        Some(Fault::UnknownKid) => shared.key(STRAY_KEY).sign(&claims),
        Some(Fault::Replayed) => shared
            .last_token
            .lock()
            .unwrap()
            .clone()
            .expect("an earlier sign-in's ID token to replay"),
        _ => key.sign(&claims),
    };
    if fault.is_none() {
        *shared.last_token.lock().unwrap() = Some(id_token.clone());
    }
    axum::Json(json!({
        "access_token": "rogue-access-token", "token_type": "Bearer", "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}
