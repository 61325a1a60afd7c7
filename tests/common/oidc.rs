//! The real OpenID provider of the single sign-on tests (`tests/oidc/provider.mjs` over the npm
//! package `oidc-provider`, which `.ci/run` installs and names in `NAMECARD_OIDC_PROVIDER_DIR`), and
//! the service at a URL of its own, where the provider can send a browser back.

use super::{Backend, TestApp, spawn_app_with};
use namecard::config::RawSettings;
use serde_json::json;
use std::io::BufRead as _;

/// The provider's node process; ended when dropped.
pub struct Provider {
    pub issuer: String,
    child: std::process::Child,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the real provider for namecard at `app`, advertising `auth_methods` (None: both).
pub fn real_provider(app: &TestApp, auth_methods: Option<&str>) -> Option<Provider> {
    let Some(dir) = std::env::var_os("NAMECARD_OIDC_PROVIDER_DIR") else {
        eprintln!(
            "skipping the single sign-on test: NAMECARD_OIDC_PROVIDER_DIR is not set (.ci/run installs oidc-provider)"
        );
        return None;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc/provider.mjs");
    let mut command = std::process::Command::new("node");
    command
        .arg(script)
        .env("NAMECARD_OIDC_PROVIDER_DIR", dir)
        .env("PORT", "0")
        .env("REDIRECT_URIS", format!("{}/auth/oidc/callback", app.base))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    if let Some(methods) = auth_methods {
        command.env("AUTH_METHODS", methods);
    }
    let mut child = command.spawn().expect("node starts the provider");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    let mut reader = std::io::BufReader::new(stdout);
    reader
        .read_line(&mut line)
        .expect("the provider says where it listens");
    // Its later output is read and dropped: a closed pipe would end the process at its next line.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let issuer = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("the provider did not start: {line:?}"))
        .to_owned();
    Some(Provider { issuer, child })
}

/// The service at a URL of its own (so the provider can send the browser back to it), allowed to
/// reach a provider on loopback.
pub async fn app_at_its_own_url(backend: Backend) -> Option<TestApp> {
    app_at_its_own_url_waiting(backend, "2s").await
}

/// [`app_at_its_own_url`], each call to a provider given up after `oidc_timeout`.
pub async fn app_at_its_own_url_waiting(backend: Backend, oidc_timeout: &str) -> Option<TestApp> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    spawn_app_with(
        backend,
        RawSettings {
            listen: Some(format!("127.0.0.1:{port}")),
            public_url: Some(format!("http://127.0.0.1:{port}")),
            oidc_private_addresses: Some(true),
            oidc_timeout: Some(oidc_timeout.into()),
            ..Default::default()
        },
    )
    .await
}

/// Acme with a domain, its admin, and the members Ada (active) and Bob (deactivated), whose
/// e-mails and employee ids the provider's accounts carry.
pub async fn acme(app: &TestApp) -> (i64, String) {
    let (org, admin) = app.org_with_admin("Acme").await;
    app.update_org(&admin, org, json!({"domain": "acme.example"}))
        .await
        .expect(200);
    app.create_member(
        &admin,
        org,
        json!({"display_name": "Ada Lovelace", "employee_id": "E-1", "email": "ada@acme.example"}),
    )
    .await
    .expect(201);
    let bob = app
        .create_member(
            &admin,
            org,
            json!({"display_name": "Bob Li", "employee_id": "E-2", "email": "bob@acme.example"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    app.deactivate_member(&admin, org, bob).await.expect(200);
    (org, admin)
}
