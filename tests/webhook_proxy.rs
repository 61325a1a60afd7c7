//! Webhook deliveries never go through the environment's proxy (through one, the target's name
//! is resolved by the proxy and the public-address check never sees it), only through the
//! operator's explicit `--webhook-proxy`. Its own binary: it sets `HTTP_PROXY` and its kin for
//! the whole process, which would send every other test's requests to the fake proxy.

use namecard::service::webhooks::delivery_client;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A "proxy" on loopback that answers every request 204 and records its request line.
async fn fake_proxy(listener: tokio::net::TcpListener) -> Arc<Mutex<Vec<String>>> {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&heard);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut head = vec![0u8; 4096];
            let n = socket.read(&mut head).await.unwrap_or(0);
            let text = String::from_utf8_lossy(&head[..n]).into_owned();
            log.lock()
                .unwrap()
                .push(text.lines().next().unwrap_or("").to_owned());
            let _ = socket
                .write_all(
                    b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
        }
    });
    heard
}

#[test]
fn webhook_deliveries_ignore_the_environments_proxy_and_use_only_an_explicit_one() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let proxy_url = format!("http://{}", listener.local_addr().unwrap());
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        // SAFETY: the only test of this binary sets these before it starts any other thread.
        unsafe { std::env::set_var(var, &proxy_url) };
    }
    for var in ["NO_PROXY", "no_proxy"] {
        // SAFETY: as above.
        unsafe { std::env::remove_var(var) };
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let heard = fake_proxy(tokio::net::TcpListener::from_std(listener).unwrap()).await;
        let internal = "http://internal.corp.example:8080/hook";

        for allow_private in [false, true] {
            let client = delivery_client(allow_private, None).unwrap();
            let sent = client.post(internal).body("{}").send().await;
            assert!(sent.is_err(), "delivered through the environment's proxy");
        }
        assert!(
            heard.lock().unwrap().is_empty(),
            "the environment's proxy was asked: {:?}",
            heard.lock().unwrap()
        );

        let client = delivery_client(false, Some(&proxy_url)).unwrap();
        let sent = client.post(internal).body("{}").send().await.unwrap();
        assert_eq!(sent.status(), 204);
        assert_eq!(
            *heard.lock().unwrap(),
            vec![format!("POST {internal} HTTP/1.1")],
            "the explicit proxy carried the delivery"
        );
    });
}
