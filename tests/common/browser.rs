//! Headless Chromium through chromedriver (WebDriver), one at a time, for the suites that drive
//! the web pages: `None`, with the reason printed, where either is not installed.

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// A phone's viewport, the size every session starts at.
pub const PHONE: (u32, u32) = (390, 844);

/// One browser at a time: two cores do not run several Chromiums and a server well.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// chromedriver with one headless Chromium session. Dropping it ends the session's processes.
pub struct Browser {
    pub client: Client,
    pub driver: std::process::Child,
    _guard: tokio::sync::MutexGuard<'static, ()>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads its own process group: ending the group ends Chromium too, even
        // when a failed assertion skipped `close`.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// Waits up to `patience` for an element at `css`. A lookup that fails for any reason is
    /// tried again: a page that navigates (sign-in leads on to the card) aborts Chromium's
    /// lookup with "aborted by navigation", which is not the element's absence, and fantoccini's
    /// own wait gives up on it.
    pub async fn wait_for_within(
        &self,
        css: &str,
        patience: Duration,
    ) -> fantoccini::elements::Element {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            match self.client.find(fantoccini::Locator::Css(css)).await {
                Ok(element) => return element,
                Err(e) if tokio::time::Instant::now() >= deadline => {
                    panic!("no {css} on the page: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

/// chromedriver on the PATH, if installed.
pub fn chromedriver() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromedriver"))
            .find(|p| p.is_file())
    })
}

/// A browser at phone size, with `extra` Chromium flags (a fake camera, say).
pub async fn browser(extra: &[String]) -> Option<Browser> {
    let Some(driver_path) = chromedriver() else {
        eprintln!(
            "skipping the browser test: chromedriver is not installed (apt-get install chromium-driver)"
        );
        return None;
    };
    if !Path::new(CHROMIUM).is_file() {
        eprintln!(
            "skipping the browser test: {CHROMIUM} is not installed (apt-get install chromium)"
        );
        return None;
    }
    let guard = ONE_BROWSER.lock().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let driver = {
        use std::os::unix::process::CommandExt as _;
        Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts")
    };
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--hide-scrollbars",
        "--lang=en-US",
        "--force-device-scale-factor=1",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.push(format!("--window-size={},{}", PHONE.0, PHONE.1));
    args.extend_from_slice(extra);
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "browserName": "chrome",
        "unhandledPromptBehavior": "ignore",
        "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
    }))
    .expect("capabilities");
    let url = format!("http://127.0.0.1:{port}");
    let mut last_error = None;
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Some(Browser {
                    client,
                    driver,
                    _guard: guard,
                });
            }
            Err(e) => last_error = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start a session: {last_error:?}");
}

/// A Y4M video (4:2:0, grey) of `png` centred on a white 1280x720 frame: what a phone camera
/// pointed at a printed card sees, for Chromium's fake capture device.
pub fn y4m_of(png: &[u8], path: &Path) {
    let card = image::load_from_memory(png).expect("a PNG").to_luma8();
    let (w, h) = (1280u32, 720u32);
    let mut frame = image::GrayImage::from_pixel(w, h, image::Luma([255]));
    let (x0, y0) = ((w - card.width()) / 2, (h - card.height()) / 2);
    image::imageops::overlay(&mut frame, &card, i64::from(x0), i64::from(y0));
    let mut out = format!("YUV4MPEG2 W{w} H{h} F5:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..5 {
        out.extend_from_slice(b"FRAME\n");
        out.extend_from_slice(frame.as_raw());
        out.extend(std::iter::repeat_n(128u8, (w * h / 2) as usize));
    }
    std::fs::write(path, out).expect("write the video");
}

/// A browser whose camera films `png` (a printed card held up to it): Chromium's fake capture
/// device playing a video made from the image, in a folder that lives as long as the browser.
pub async fn browser_filming(png: &[u8]) -> Option<(Browser, tempfile::TempDir)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = dir.path().join("card.y4m");
    y4m_of(png, &video);
    let b = browser(&[
        "--use-fake-device-for-media-stream".into(),
        "--use-fake-ui-for-media-stream".into(),
        format!("--use-file-for-fake-video-capture={}", video.display()),
    ])
    .await?;
    Some((b, dir))
}
