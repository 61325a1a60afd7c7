// The service worker of /verify: keeps the page and its files so that it opens with no network.
//
// Network first, so a new version is picked up when online; the saved copy when the network
// fails. The keyset and revocation list are not cached here: the page keeps them itself, with
// the time it fetched them, and applies the list rules before replacing one.

const CACHE = "namecard-verify-v2";
const FILES = [
  "/verify",
  "/assets/verify.js",
  "/assets/l10n.js",
  "/assets/locales/en.json",
  "/assets/locales/zh-CN.json",
  "/assets/locales/zh-TW.json",
  "/assets/verify-core.js",
  "/assets/qr-detector.js",
  "/assets/verify.css",
  "/assets/app.css",
  "/assets/icon.svg",
  "/assets/verify.webmanifest",
  "/assets/vendor/zxing-wasm/es/reader/index.js",
  "/assets/vendor/zxing-wasm/es/share.js",
  "/assets/vendor/zxing-wasm/reader/zxing_reader.wasm",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("namecard-verify-v") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  const path = url.pathname === "/verify/" ? "/verify" : url.pathname;
  if (!FILES.includes(path)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const res = await fetch(event.request, { cache: "no-cache" });
        if (res.ok) await cache.put(path, res.clone());
        return res;
      } catch (e) {
        const saved = await cache.match(path);
        if (saved) return saved;
        throw e;
      }
    })(),
  );
});
