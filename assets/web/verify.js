// /verify: an offline verifier for door scanners and reception desks.
//
// After one online visit the service worker (`/verify-sw.js`) serves this page with no network;
// the keyset and revocation list are kept in Cache Storage with the time they were fetched and
// refreshed whenever the network answers (an older or conflicting list never replaces the held
// one, docs/card-format.md §5.5). Cards are read live from the camera (BarcodeDetector where the
// browser has it, else the vendored zxing-wasm) or pasted, and verified by verify-core.js. Every
// value from a card or a document is put into the page as text.
import { detector } from "/assets/qr-detector.js";
import { t, translateStatic, dateTimes } from "/assets/l10n.js";
import {
  loadKeyset, loadList, updateList, verifyCard, documentErrorOutput,
} from "/assets/verify-core.js";

const KEYS_URL = "/.well-known/namecard-keys.json";
const LIST_URL = "/.well-known/namecard-revocations.json";
const STORE = "namecard-verify-documents";
const SKEW = 300n;
const REFRESH_MS = 10 * 60 * 1000;

const $ = (id) => document.getElementById(id);
const state = { keyset: null, list: null, keysAt: null, listAt: null, source: "site", offline: false, problem: null };

// ---------- stored documents ----------

async function stored(name) {
  const cache = await caches.open(STORE);
  const res = await cache.match(`/verify/documents/${name}`);
  if (!res) return null;
  return { bytes: new Uint8Array(await res.arrayBuffer()), at: Number(res.headers.get("x-fetched-at")), source: res.headers.get("x-source") || "site" };
}

async function store(name, bytes, at, source) {
  const cache = await caches.open(STORE);
  await cache.put(`/verify/documents/${name}`, new Response(bytes, { headers: { "x-fetched-at": String(at), "x-source": source } }));
}

/** Loads the saved documents (they were checked when saved, and are checked again). */
async function restore() {
  const keys = await stored("keyset");
  if (!keys) return;
  try {
    state.keyset = await loadKeyset(keys.bytes);
    state.keysAt = keys.at;
    state.source = keys.source;
  } catch {
    return;
  }
  const list = await stored("list");
  if (!list) return;
  try {
    state.list = await loadList(list.bytes, state.keyset, SKEW);
    state.listAt = list.at;
  } catch {
    state.list = null;
  }
}

/**
 * Offers a new keyset and list (bytes) from `source`; keeps what it has when they are refused,
 * and never takes an older list. Returns the document problem, if any, as text.
 */
async function offer(keyBytes, listBytes, source) {
  const now = Date.now();
  let keyset = state.keyset;
  if (keyBytes) {
    try {
      keyset = await loadKeyset(keyBytes);
    } catch (e) {
      return problemText(e);
    }
    const issuerChanged = !state.keyset || state.keyset.issuer !== keyset.issuer;
    state.keyset = keyset;
    state.keysAt = now;
    state.source = source;
    await store("keyset", keyBytes, now, source);
    if (issuerChanged) {
      state.list = null;
      state.listAt = null;
      await (await caches.open(STORE)).delete("/verify/documents/list");
    }
  }
  if (!listBytes || !keyset) return null;
  let list;
  try {
    list = await loadList(listBytes, keyset, SKEW);
    if (updateList(state.list, list) === "same") {
      state.listAt = now;
      await store("list", listBytes, now, source);
      return null;
    }
  } catch (e) {
    return problemText(e);
  }
  state.list = list;
  state.listAt = now;
  await store("list", listBytes, now, source);
  return null;
}

function problemText(e) {
  if (e && e.document) {
    const o = documentErrorOutput(e);
    const which = o.document === "keyset" ? "verify-keyset-refused" : "verify-list-refused";
    return t(which, { error: o.error, detail: o.detail });
  }
  return t('verify-documents-unchecked', { error: e && e.message ? e.message : String(e) });
}

async function fetchBytes(url) {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Fetches this site's documents when the keys come from the site. */
async function refresh() {
  if (state.source !== "site") return;
  try {
    const [keys, list] = await Promise.all([fetchBytes(KEYS_URL), fetchBytes(LIST_URL)]);
    state.offline = false;
    state.problem = await offer(keys, list, "site");
  } catch (e) {
    state.offline = true;
    if (!state.keyset) state.problem = t('verify-offline-no-keys', { error: e.message });
  }
  showFreshness();
}

// ---------- freshness ----------

function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 90) return t('verify-ago-seconds', { n: s });
  if (s < 5400) return t('verify-ago-minutes', { n: Math.round(s / 60) });
  if (s < 129600) return t('verify-ago-hours', { n: Math.round(s / 3600) });
  return t('verify-ago-days', { n: Math.round(s / 86400) });
}

const time = (unix) => {
  const n = Number(unix);
  if (!Number.isSafeInteger(n) || n > 253402300799) return String(unix);
  // As the reader's language writes a date and time, in the device's time zone.
  return dateTimes.format(new Date(n * 1000));
};

function showFreshness() {
  $("net").textContent = state.offline ? t('verify-offline') : t('verify-online');
  if (state.keyset) {
    const facts = { issuer: state.keyset.issuer, count: state.keyset.keys.length, fetched: ago(state.keysAt) };
    $("keys-status").textContent = t(state.source === "site" ? 'verify-keys' : 'verify-keys-from-files', facts);
  } else {
    $("keys-status").textContent = t('verify-no-keys');
  }
  const l = state.list;
  if (l) {
    const now = BigInt(Math.floor(Date.now() / 1000));
    const due = now - SKEW >= l.next_update ? 'verify-list-overdue' : 'verify-list';
    $("list-status").textContent = t(due, { number: String(l.number), issued: time(l.issued_at), fetched: ago(state.listAt), next: time(l.next_update) });
  } else {
    $("list-status").textContent = t('verify-no-list');
  }
  $("doc-problem").hidden = !state.problem;
  $("doc-problem").textContent = state.problem || "";
  $("use-site").hidden = state.source === "site";
}

// ---------- results ----------

const REASONS = {
  malformed: t('verify-reason-malformed'),
  wrong_issuer: t('verify-reason-wrong-issuer'),
  unsupported_version: t('verify-reason-unsupported-version'),
  key_compromised: t('verify-reason-key-compromised'),
  unknown_key: t('verify-reason-unknown-key'),
  bad_signature: t('verify-reason-bad-signature'),
  key_not_valid: t('verify-reason-key-not-valid'),
  not_yet_valid: t('verify-reason-not-yet-valid'),
  expired: t('verify-reason-expired'),
  revoked: t('verify-reason-revoked'),
};

let lastText = null;

async function check(text) {
  lastText = text;
  if (!state.keyset) {
    show({ result: "invalid", reason: null, detail: state.problem || t('verify-no-keys-hint') });
    return;
  }
  const now = BigInt(Math.floor(Date.now() / 1000));
  try {
    show(await verifyCard(text, state.keyset, state.list, { now, skew: SKEW }));
  } catch (e) {
    show({ result: "invalid", reason: null, detail: t('verify-browser-cannot', { error: e.message }) });
  }
}

function row(dl, label, value) {
  if (value === null || value === undefined || value === "") return;
  const dt = document.createElement("dt");
  dt.textContent = label;
  const dd = document.createElement("dd");
  dd.textContent = String(value);
  dl.append(dt, dd);
}

function show(out) {
  $("result").hidden = false;
  const verdict = $("verdict");
  verdict.className = `verdict ${out.result}`;
  verdict.dataset.result = out.result;
  verdict.dataset.reason = out.reason || "";
  if (out.result === "valid") verdict.textContent = t('verify-valid');
  else if (out.result === "stale") verdict.textContent = t('verify-stale');
  else verdict.textContent = out.reason ? t('verify-not-valid', { reason: out.reason }) : t('verify-cannot');
  const detail = [];
  if (out.result === "stale") detail.push(t('verify-list-stale'));
  if (out.reason && REASONS[out.reason]) detail.push(REASONS[out.reason]);
  const c = out.card;
  const r = out.revocation;
  if (r && c) {
    const who = c.member_name ?? c.team_name;
    if (r.state === "departed") {
      const s = r.successor;
      const facts = { name: who, org: c.org_name, date: time(r.at).slice(0, 10) };
      if (!s) detail.push(t('verify-departed', facts));
      else detail.push(t('verify-departed-successor', { ...facts, successor: s.title ? `${s.name} (${s.title})` : s.name }));
    } else {
      detail.push(t('verify-withdrawn', { date: time(r.at).slice(0, 10) }));
    }
  }
  if (!c && out.detail && out.result !== "valid") detail.push(out.detail);
  $("verdict-detail").textContent = detail.join(" ");
  const dl = $("fields");
  dl.replaceChildren();
  if (c) {
    if (c.kind === "team") row(dl, t('verify-field-team'), `${c.org_name} — ${c.team_name}`);
    else row(dl, t('verify-field-name'), c.member_name);
    row(dl, t('verify-field-title'), c.title);
    row(dl, t('verify-field-org'), c.org_name);
    row(dl, t('verify-field-valid'), t('verify-valid-span', { from: time(c.not_before), to: time(c.expires_at) }));
    row(dl, t('verify-field-channel'), c.channel);
    if (c.one_time) row(dl, t('verify-field-one-time'), t('verify-yes'));
    row(dl, t('verify-field-key'), t(out.key.status === 'active' ? 'verify-key-active' : 'verify-key-retired', { kid: out.key.kid }));
    const asOf = { number: out.list ? String(out.list.number) : '', issued: out.list ? time(out.list.issued_at) : '' };
    row(dl, t('verify-field-status'), out.list
      ? t(out.list.stale ? 'verify-status-overdue' : 'verify-status', asOf)
      : t('verify-status-unchecked'));
    row(dl, t('verify-field-card'), c.card_id);
  }
}

// ---------- the camera ----------

let stream = null;
let timer = null;

async function startCamera() {
  if (stream) return stopCamera();
  const status = $("camera-status");
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 1280 } }, audio: false });
  } catch (e) {
    status.textContent = t('verify-no-camera', { error: e.message });
    return;
  }
  const video = $("video");
  video.srcObject = stream;
  await video.play();
  $("viewer").hidden = false;
  $("camera").textContent = t('verify-stop-camera');
  const d = await detector();
  status.textContent = t('verify-scanning', { decoder: d.name });
  const canvas = document.createElement("canvas");
  let busy = false;
  timer = setInterval(async () => {
    if (busy || !video.videoWidth) return;
    busy = true;
    try {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext("2d", { willReadFrequently: true }).drawImage(video, 0, 0);
      const texts = await d.read(canvas);
      const text = texts.find((t) => state.keyset && t.startsWith(state.keyset.prefix)) ?? texts[0];
      if (text !== undefined && text !== lastText) {
        status.textContent = t('verify-read', { decoder: d.name });
        await check(text);
      }
    } catch (e) {
      status.textContent = t('scan-error', { error: e.message });
    } finally {
      busy = false;
    }
  }, 250);
}

function stopCamera() {
  clearInterval(timer);
  timer = null;
  for (const t of stream ? stream.getTracks() : []) t.stop();
  stream = null;
  $("viewer").hidden = true;
  $("camera").textContent = t('verify-start-camera');
  $("camera-status").textContent = "";
}

// ---------- start ----------

async function importFiles(files) {
  let keys = null;
  let list = null;
  for (const f of files) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    // A list has a "format" member; anything else is taken for a keyset (and checked as one).
    if (new TextDecoder().decode(bytes).includes('"namecard-revocations/')) list = bytes;
    else keys = bytes;
  }
  state.problem = await offer(keys, list, "files");
  showFreshness();
  if (lastText !== null) await check(lastText);
}

async function main() {
  translateStatic();
  $("camera").addEventListener("click", () => startCamera());
  $("paste").addEventListener("submit", (e) => {
    e.preventDefault();
    check($("text").value);
  });
  $("refresh").addEventListener("click", () => refresh());
  $("import").addEventListener("change", (e) => importFiles(e.target.files));
  $("use-site").addEventListener("click", async () => {
    state.source = "site";
    state.keyset = null;
    state.list = null;
    await refresh();
  });
  window.addEventListener("online", () => refresh());
  window.addEventListener("offline", () => {
    state.offline = true;
    showFreshness();
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/verify-sw.js", { scope: "/verify" }).catch(() => {});
  }
  await restore();
  showFreshness();
  await refresh();
  document.body.dataset.ready = "true";
  setInterval(() => {
    refresh();
  }, REFRESH_MS);
  setInterval(showFreshness, 30 * 1000);
}

main();
