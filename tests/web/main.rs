//! The web app in headless Chromium (driven through chromedriver), against the real server:
//! every page at phone and desktop size, with screenshots written to `docs/screenshots/`.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod browser;
