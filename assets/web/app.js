// namecard web app: an ES module (and its words, l10n.js), no dependencies, no build step.
//
// Every page is the same shell; this module renders the view the path names by calling the JSON
// API with the session cookie (and the session's CSRF token on every change). Anything that comes
// from the API (names, titles, organizations, audit entries) reaches the page only as text nodes
// or textContent, never as HTML, and never as a URL: a card whose name is "<script>" or
// "javascript:..." shows those characters and nothing else.

import { LOCALE, LOCALE_NAMES, chooseLocale, t, has, dateTimes, dates, monthDays } from '/assets/l10n.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const cardPrefix = document.querySelector('meta[name="nc-card-prefix"]').content;
const RETURN_KEY = 'namecard.return';

/** The signed-in session (GET /v1/session), or null. */
let session = null;

// ---------------------------------------------------------------------------------------------
// Building the page

/** Creates an element. Props set attributes (from this file only), `text`, `class`, `on*`
 * listeners; children are nodes or strings (added as text). */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function show(...nodes) {
  main.replaceChildren(...nodes);
}

function pageHead(title, lead) {
  return h('div', { class: 'page-head' }, h('h1', { text: title }), lead && h('p', { class: 'muted', text: lead }));
}

function panel(title, ...children) {
  return h('section', { class: 'panel' }, title && h('h2', { text: title }), ...children);
}

function notice(kind, title, ...lines) {
  return h('div', { class: `notice ${kind}`, role: kind === 'bad' ? 'alert' : 'status' },
    title && h('strong', { class: 'title', text: title }),
    ...lines.filter(Boolean).map((line) => (line instanceof Node ? line : h('p', { text: line }))));
}

function initials(name) {
  return (name || '?').trim().slice(0, 1).toUpperCase() || '?';
}

/** A person as the API describes them (Party): name, title, organization. */
function person(party, extra) {
  const org = party.organization ? party.organization.name : '';
  return h('div', { class: 'person' },
    h('div', { class: 'avatar', 'aria-hidden': 'true', text: initials(party.name) }),
    h('div', { class: 'lines' },
      h('div', { class: 'name', text: party.name }),
      h('div', { class: 'sub', text: [party.title, org].filter(Boolean).join(' · ') }),
      extra));
}

function when(seconds) {
  return dateTimes.format(new Date(seconds * 1000));
}

function day(seconds) {
  return dates.format(new Date(seconds * 1000));
}

/** A button that asks once more before doing something that cannot be undone. */
function confirmButton(label, confirmLabel, action) {
  const button = h('button', { type: 'button', class: 'danger', text: label });
  let armed = false;
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.textContent = confirmLabel;
      button.classList.add('confirm');
      return;
    }
    button.disabled = true;
    try {
      await action();
    } finally {
      button.disabled = false;
      armed = false;
      button.textContent = label;
      button.classList.remove('confirm');
    }
  });
  return button;
}

/** Runs `action` with `button` disabled; shows a failure in `out`. */
async function busy(button, out, action) {
  button.disabled = true;
  try {
    await action();
  } catch (e) {
    out.replaceChildren(problemNotice(e));
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------
// The API

class Problem extends Error {
  constructor(status, body) {
    super(body.detail || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || `http_${status}`;
    this.body = body;
  }
}

/** Calls the API. `body` is sent as JSON, or `{ form }` as multipart, or `{ raw, type }` as is. */
async function api(method, path, body, { form, raw, type } = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': LOCALE };
  if (method !== 'GET' && session) headers['X-CSRF-Token'] = session.csrf_token;
  let payload;
  if (form) payload = form;
  else if (raw !== undefined) {
    headers['Content-Type'] = type;
    payload = raw;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new Problem(0, { code: 'offline', detail: t('offline') });
  }
  if (response.status === 204) return null;
  const contentType = response.headers.get('content-type') || '';
  const data = contentType.includes('json') ? await response.json() : await response.blob();
  if (!response.ok) {
    if (response.status === 401 && session) {
      session = null;
      renderChrome();
    }
    throw new Problem(response.status, data && data.code ? data : { detail: response.statusText });
  }
  return data;
}

function problemNotice(e) {
  if (e instanceof Problem && e.code === 'session_expired') {
    return notice('bad', t('problem-signed-out'), t('problem-signed-out-text'));
  }
  const detail = e instanceof Problem ? e.message : String(e);
  const rows = e instanceof Problem && Array.isArray(e.body.errors) ? e.body.errors : [];
  // The service titles its problems in the page's language (Accept-Language); the detail says
  // what went wrong in the service's own words.
  const title = e instanceof Problem && e.body.title ? e.body.title : null;
  return notice('bad', t('problem-failed'), title, detail,
    rows.length > 0 && h('ul', {}, rows.map((r) => h('li', { text: t('problem-row', { row: r.row, field: r.field, message: r.message }) }))));
}

/** Saves a downloaded blob under `name`. */
function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------------------------------------------------------------------------------------------
// Chrome: navigation and who is signed in

const MEMBER_NAV = [['/card', t('nav-card')], ['/scan', t('nav-scan')], ['/inbox', t('nav-inbox')], ['/contacts', t('nav-contacts')],
  ['/directory', t('nav-directory')]];
const ADMIN_NAV = [['/admin', t('nav-members')], ['/admin/departments', t('nav-departments')], ['/admin/contact-ways', t('nav-team-codes')],
  ['/admin/contacts', t('nav-contacts')], ['/admin/policy', t('nav-policy')],
  ['/admin/cards', t('nav-cards')], ['/admin/audit', t('nav-audit')]];

function renderChrome() {
  const here = location.pathname;
  const items = !session ? [] : session.role === 'member' ? MEMBER_NAV : ADMIN_NAV;
  nav.replaceChildren(...items.map(([path, label]) =>
    h('a', { href: path, 'aria-current': path === here ? 'page' : null, text: label })));
  const switcher = h('select', { id: 'locale-switch', class: 'locale-switch', 'aria-label': t('locale-switch'),
    onchange: (ev) => chooseLocale(ev.currentTarget.value) },
  LOCALE_NAMES.map(([value, label]) => h('option', { value, lang: value, selected: value === LOCALE, text: label })));
  if (!session) {
    who.replaceChildren(switcher);
    return;
  }
  const name = session.role === 'member' ? session.member_name : t('chrome-admin', { org: session.org_name });
  who.replaceChildren(switcher,
    h('span', { class: 'name', title: session.org_name, text: name }),
    h('button', { type: 'button', class: 'link-button', id: 'sign-out', onclick: signOut, text: t('chrome-sign-out') }));
}

async function signOut() {
  try {
    await api('DELETE', '/v1/session');
  } catch {
    // Signed out already.
  }
  session = null;
  location.assign('/');
}

function signedOut(why) {
  show(pageHead(t('signin-title')),
    panel(null,
      h('p', { text: why || t('signin-not-signed-in') }),
      h('p', { class: 'muted', text: t('signin-no-passwords') })),
    ssoPanel());
}

/**
 * Single sign-on: the person gives their work e-mail (or the organization's domain); when that
 * organization has an identity provider, a "Sign in with ..." button leads to it.
 */
function ssoPanel() {
  const out = h('div', { id: 'sso-out' });
  const input = h('input', { type: 'text', id: 'sso-domain', autocomplete: 'email', 'aria-label': t('sso-input-label'), placeholder: 'you@company.example' });
  const form = h('form', { id: 'sso', class: 'search' }, input, h('button', { type: 'submit', class: 'secondary', text: t('sso-continue') }));
  const find = (domain) => busy(form.querySelector('button'), out, async () => {
    try {
      const sso = await api('GET', `/v1/oidc/providers?domain=${encodeURIComponent(domain)}`);
      out.replaceChildren(h('p', {}, h('a', { class: 'button', id: 'sso-start', href: sso.start_url, text: t('sso-sign-in-with', { label: sso.label }) })),
        h('p', { class: 'small muted', text: sso.org_name }));
    } catch (e) {
      if (e instanceof Problem && e.code === 'oidc_not_configured') {
        out.replaceChildren(notice('warn', t('sso-none'), t('sso-none-text')));
      } else throw e;
    }
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (input.value.trim()) find(input.value.trim());
  });
  const given = new URLSearchParams(location.search).get('domain');
  if (given) {
    input.value = given;
    find(given);
  }
  return panel(t('sso-title'), h('p', { class: 'muted small', text: t('sso-lead') }), form, out);
}

function needRole(role) {
  if (!session) {
    signedOut();
    return false;
  }
  if (session.role !== role) {
    show(pageHead(t('role-not-available')), panel(null, h('p', {
      text: role === 'admin' ? t('role-admins-only') : t('role-members-only'),
    })));
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Sign in

async function signinView(secret) {
  // The secret leaves the address bar (and the history) before anything else happens.
  history.replaceState(null, '', `/signin${location.search}`);
  // Opening another link while this page is shown changes only the fragment: start over.
  window.addEventListener('hashchange', () => location.reload());
  show(pageHead(t('signin-signing-in')));
  if (!secret) {
    signedOut();
    return;
  }
  try {
    session = await api('POST', '/v1/sessions', { secret });
  } catch (e) {
    history.replaceState(null, '', '/');
    if (e instanceof Problem && e.code === 'invalid_signin_link') {
      signedOut(t('signin-link-used'));
    } else {
      show(pageHead(t('signin-title')), problemNotice(e));
    }
    return;
  }
  const back = localStorage.getItem(RETURN_KEY);
  localStorage.removeItem(RETURN_KEY);
  // Only a card page of this service is a place to return to.
  const target = back && /^\/[Cc]\/[0-9A-Z$*+:-]+$/.test(back) ? back : '/';
  location.replace(target);
}

// ---------------------------------------------------------------------------------------------
// My card

async function cardView() {
  if (!needRole('member')) return;
  const out = h('div');
  const sharing = h('div', { id: 'sharing' });
  show(pageHead(t('nav-card'), t('card-lead')), out, sharing);
  sharingPanel(sharing);
  let card;
  try {
    card = await api('GET', '/v1/me/card');
  } catch (e) {
    if (!(e instanceof Problem && e.status === 404)) {
      out.replaceChildren(problemNotice(e));
      return;
    }
    try {
      card = await api('POST', '/v1/me/card');
    } catch (e2) {
      out.replaceChildren(problemNotice(e2));
      return;
    }
  }
  renderCard(out, card);
}

/** The member's choices about their mobile number (found by it, shown to contacts) and e-mail notices. */
async function sharingPanel(into) {
  let me;
  try {
    me = await api('GET', '/v1/me');
  } catch (e) {
    into.replaceChildren(problemNotice(e));
    return;
  }
  const out = h('div');
  const mailOut = h('div');
  const choice = (name, label, hint, needs = 'mobile', said = out) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name, checked: me[name] || null, disabled: !me[needs] || null, onchange: async (ev) => {
      const box = ev.currentTarget;
      try {
        me = await api('PATCH', '/v1/me', { [name]: box.checked });
        said.replaceChildren(notice('ok', t('saved'), box.checked ? hint : t('sharing-off')));
      } catch (e) {
        box.checked = !box.checked;
        said.replaceChildren(problemNotice(e));
      }
    } }), label);
  into.replaceChildren(panel(t('sharing-mobile-title'),
    h('p', { class: 'muted', text: me.mobile ? t('sharing-on-record', { mobile: me.mobile }) : t('sharing-no-mobile') }),
    choice('phone_discoverable', t('sharing-discoverable'), t('sharing-discoverable-hint')),
    choice('share_mobile', t('sharing-share-mobile'), t('sharing-share-mobile-hint')),
    out),
  panel(t('sharing-mail-title'),
    h('p', { class: 'muted', text: me.email ? t('sharing-sent-to', { email: me.email }) : t('sharing-no-email') }),
    choice('email_notices', t('sharing-email-notices'), t('sharing-email-notices-hint'), 'email', mailOut),
    mailOut));
}

function renderCard(out, card) {
  const v = `?v=${encodeURIComponent(card.id)}`;
  const message = h('div');
  const reset = confirmButton(t('card-reset'), t('card-reset-confirm'), async () => {
    try {
      const fresh = await api('POST', '/v1/me/card');
      renderCard(out, fresh);
      out.prepend(notice('ok', t('card-replaced'), t('card-old-stops')));
    } catch (e) {
      message.replaceChildren(problemNotice(e));
    }
  });
  out.replaceChildren(h('div', { class: 'grid-2' },
    panel(null, h('div', { class: 'card-show' },
      h('img', { class: 'qr', id: 'my-qr', src: `/v1/me/card/png${v}`, alt: t('card-qr-alt'), width: 280, height: 280 }),
      h('p', { class: 'muted small', text: t('card-valid-until', { date: day(card.expires_at) }) }))),
    panel(t('card-printable'),
      h('img', { class: 'printable', id: 'my-printable', src: `/v1/me/card/printable${v}`, alt: t('card-printable-alt') }),
      h('div', { class: 'actions' },
        h('a', { class: 'button secondary', href: `/v1/me/card/png${v}`, download: 'namecard-qr.png', text: t('qr-png') }),
        h('a', { class: 'button secondary', href: `/v1/me/card/svg${v}`, download: 'namecard-qr.svg', text: t('qr-svg') }),
        h('a', { class: 'button secondary', href: `/v1/me/card/printable${v}`, download: 'namecard.png', text: t('card-printable') })),
      h('p', { class: 'muted small', text: t('card-reset-hint') }),
      h('div', { class: 'actions tight' }, reset),
      message)));
}

// ---------------------------------------------------------------------------------------------
// Scanning and the outcome of a scan

const REASONS = {
  bad_signature: t('reason-bad-signature'),
  unknown_key: t('reason-unknown-key'),
  wrong_issuer: t('reason-wrong-issuer'),
  malformed: t('reason-malformed'),
  expired: t('reason-expired'),
  not_yet_valid: t('reason-not-yet-valid'),
  revoked: t('reason-revoked'),
  key_compromised: t('reason-key-compromised'),
};

const PROBLEMS = {
  card_expired: [t('scan-card-expired'), t('scan-ask-current')],
  card_revoked: [t('scan-card-revoked'), t('scan-card-revoked-hint')],
  self_scan: [t('scan-self'), t('scan-self-hint')],
  owner_inactive: [t('scan-owner-inactive'), t('scan-owner-inactive-hint')],
  card_already_used: [t('scan-card-used'), t('scan-card-used-hint')],
  no_qr_found: [t('scan-no-qr'), t('scan-no-qr-hint')],
  not_an_image: [t('scan-not-image'), t('scan-choose-image')],
  unsupported_format: [t('scan-unsupported'), t('scan-choose-image')],
  truncated_image: [t('scan-truncated'), t('scan-take-again')],
  corrupt_image: [t('scan-corrupt'), t('scan-take-again')],
  image_too_large: [t('scan-too-large'), t('scan-too-large-hint')],
  too_many_bytes: [t('scan-too-large'), t('scan-too-large-hint')],
  time_budget_exceeded: [t('scan-too-slow'), t('scan-too-slow-hint')],
};

const POLICY_REASONS = {
  external_contacts_disabled: (org) => t('policy-reason-disabled', { org }),
  not_a_partner: (org) => t('policy-reason-not-partner', { org }),
};

/** Explains why a scan failed; for a policy block, whose policy and whom to ask. */
function scanProblem(e) {
  if (!(e instanceof Problem)) return problemNotice(e);
  const b = e.body;
  if (e.code === 'policy_blocked') {
    const org = (b.organization && b.organization.name) || t('policy-an-organization');
    const reason = (POLICY_REASONS[b.policy_reason] || ((o) => t('policy-reason-other', { org: o })))(org);
    const ours = b.blocked_by === 'requester_organization';
    const ask = ours
      ? t(b.policy_reason === 'not_a_partner' ? 'policy-ours-partner' : 'policy-ours-allow', { org })
      : t('policy-theirs', { org });
    return h('div', { id: 'scan-problem' },
      notice('warn', t('policy-blocked', { org }), reason, ask),
      b.owner && panel(null, person(b.owner)));
  }
  if (e.code === 'invalid_card') {
    return h('div', { id: 'scan-problem' }, notice('bad', t('scan-not-valid'), REASONS[b.reason] || b.detail));
  }
  const [title, hint] = PROBLEMS[e.code] || [t('problem-failed'), b.detail];
  return h('div', { id: 'scan-problem' }, notice('bad', title, hint));
}

/** Shows what sending the request did (or, for a preview, would do). */
function outcomeNotice(result) {
  const outcome = result.outcome === 'preview' ? result.would : result.outcome;
  const owner = result.owner || (result.request && result.request.owner) || (result.contact && result.contact.contact);
  const name = owner ? owner.name : t('outcome-they');
  switch (outcome) {
    case 'request_created':
      return result.outcome === 'preview'
        ? null
        : notice('ok', t('outcome-sent'), result.contact_way && result.notice,
          t('outcome-sent-text', { name }));
    case 'already_pending':
      return notice('info', t('outcome-pending'), t('outcome-pending-text', { name }));
    case 'already_connected':
      return notice('info', t('outcome-connected'), h('p', {}, t('outcome-connected-text', { name }), ' ', h('a', { href: '/contacts', text: t('outcome-see-contacts') })));
    case 'same_organization':
      return notice('info', t('outcome-colleague'), h('p', {}, t('outcome-colleague-before', { name }), h('a', { href: '/directory', text: t('outcome-colleague-link') }), t('outcome-colleague-after')));
    default:
      return notice('info', t('outcome-done'), outcome || '');
  }
}

/** The "send request" button for a preview that may go ahead, and what happened. */
function previewActions(result) {
  const outcome = result.outcome === 'preview' ? result.would : result.outcome;
  const sendOut = h('div', { id: 'send-outcome' });
  const send = h('button', { type: 'button', id: 'send-request', text: t('scan-send-request') });
  send.addEventListener('click', () => busy(send, sendOut, async () => {
    const sent = await api('POST', '/v1/scans', { text: result.text });
    send.hidden = true;
    sendOut.replaceChildren(outcomeNotice(sent));
  }));
  const canSend = result.outcome === 'preview' && outcome === 'request_created';
  return [canSend && h('div', { class: 'actions' }, send), h('div', { id: 'scan-outcome' }, outcomeNotice(result)), sendOut];
}

/** Renders a verified card owner and, if the scan may go ahead, the "send request" button. */
function renderPreview(out, result) {
  out.replaceChildren(panel(null,
    h('p', { class: 'verified', text: result.contact_way ? t('scan-verified-way') : t('scan-verified-card') }),
    result.contact_way && h('div', { id: 'scan-way' },
      notice('info', t('scan-team-code', { name: result.contact_way.name }), result.notice)),
    h('div', { id: 'scan-owner' }, person(result.owner)),
    ...previewActions(result)));
}

/** The live camera of the Scan page: frames read every 250 ms until a card of this issuer shows. */
let camera = null;

function stopScanCamera() {
  if (!camera) return;
  clearInterval(camera.timer);
  for (const t of camera.stream.getTracks()) t.stop();
  camera.viewer.hidden = true;
  camera.button.textContent = t('scan-with-camera');
  camera = null;
}

async function startScanCamera(button, viewer, video, status, onText) {
  if (camera) return stopScanCamera();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment', width: { ideal: 1280 } }, audio: false });
  } catch (e) {
    status.textContent = t('scan-no-camera', { error: e.message });
    return;
  }
  camera = { stream, viewer, button, timer: null };
  video.srcObject = stream;
  await video.play();
  viewer.hidden = false;
  button.textContent = t('scan-stop-camera');
  const { detector } = await import('/assets/qr-detector.js');
  const d = await detector();
  status.textContent = t('scan-point', { decoder: d.name });
  const prefix = document.querySelector('meta[name=nc-card-prefix]')?.content || '';
  const canvas = h('canvas');
  let reading = false;
  camera.timer = setInterval(async () => {
    if (reading || !video.videoWidth || !camera) return;
    reading = true;
    try {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext('2d', { willReadFrequently: true }).drawImage(video, 0, 0);
      const texts = await d.read(canvas);
      const text = texts.find((t) => t.toUpperCase().startsWith(prefix.toUpperCase()));
      if (text !== undefined) {
        stopScanCamera();
        status.textContent = t('scan-read');
        await onText(text);
      } else if (texts.length) {
        status.textContent = t('scan-foreign-code');
      }
    } catch (e) {
      status.textContent = t('scan-error', { error: e.message });
    } finally {
      reading = false;
    }
  }, 250);
}

function scanView() {
  if (!needRole('member')) return;
  const out = h('div', { id: 'scan-result' });
  const preview = h('img', { class: 'photo-preview', alt: t('scan-chosen-photo'), hidden: true });
  const onFile = async (ev) => {
    const file = ev.target.files && ev.target.files[0];
    if (!file) return;
    stopScanCamera();
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
    out.replaceChildren(h('p', { class: 'muted', text: t('scan-reading') }));
    const form = new FormData();
    form.append('photo', file);
    try {
      renderPreview(out, await api('POST', '/v1/scans/preview', undefined, { form }));
    } catch (e) {
      out.replaceChildren(scanProblem(e));
    }
    ev.target.value = '';
    out.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };
  const onText = async (text) => {
    preview.hidden = true;
    out.replaceChildren(h('p', { class: 'muted', text: t('scan-checking') }));
    try {
      renderPreview(out, await api('POST', '/v1/scans/preview', { text }));
    } catch (e) {
      out.replaceChildren(scanProblem(e));
    }
  };
  const video = h('video', { id: 'scan-video', playsinline: true, muted: true, 'aria-label': t('scan-camera') });
  const viewer = h('div', { class: 'viewer', hidden: true }, video);
  const status = h('p', { class: 'small muted', id: 'scan-camera-status', role: 'status' });
  const live = h('button', { type: 'button', id: 'scan-camera', text: t('scan-with-camera'),
    onclick: () => startScanCamera(live, viewer, video, status, onText) });
  show(pageHead(t('scan-title'), t('scan-lead')),
    panel(null,
      h('div', { class: 'pick' },
        live,
        h('label', { class: 'button secondary file-pick' }, t('scan-take-photo'),
          h('input', { type: 'file', id: 'photo-camera', accept: 'image/*', capture: 'environment', onchange: onFile })),
        h('label', { class: 'button secondary file-pick' }, t('scan-choose-photo'),
          h('input', { type: 'file', id: 'photo-file', accept: 'image/*', onchange: onFile }))),
      viewer, status, preview),
    out);
}

// ---------------------------------------------------------------------------------------------
// The card page: what a phone camera opens from a card's QR code

async function cardLinkView(body) {
  const text = cardPrefix + body.toUpperCase();
  const out = h('div', { id: 'card-check' });
  show(pageHead(t('cardlink-title')), out);
  let report;
  try {
    report = await api('POST', '/v1/verify', { text });
  } catch (e) {
    out.replaceChildren(problemNotice(e));
    return;
  }
  if (!report.valid) {
    out.replaceChildren(h('div', { id: 'scan-problem' },
      notice('bad', t('scan-not-valid'), REASONS[report.reason] || report.detail || report.reason)));
    return;
  }
  const c = report.card;
  const owner = { name: c.member_name, title: c.title, organization: { id: c.org_id, name: c.org_name } };
  const card = panel(null,
    h('p', { class: 'verified', text: t('scan-verified-card') }),
    h('div', { id: 'scan-owner' }, person(owner,
      h('div', { class: 'meta small muted' }, c.channel && h('span', { class: 'badge', text: c.channel }), ' ', t('card-valid-until', { date: day(c.expires_at) })))));
  if (!session) {
    localStorage.setItem(RETURN_KEY, location.pathname);
    out.replaceChildren(card, panel(t('cardlink-add'),
      h('p', { id: 'signin-prompt', text: t('cardlink-sign-in-first', { name: c.member_name }) })));
    return;
  }
  if (session.role !== 'member') {
    out.replaceChildren(card, notice('info', null, t('cardlink-admin')));
    return;
  }
  const next = h('div');
  card.append(next);
  out.replaceChildren(card);
  try {
    next.replaceChildren(...previewActions(await api('POST', '/v1/scans/preview', { text })));
  } catch (e) {
    next.replaceChildren(scanProblem(e));
  }
}

// ---------------------------------------------------------------------------------------------
// Inbox and contacts

const VIA = { qr_scan: t('via-qr-scan'), phone: t('via-phone') };
/** Where a contact came from (the API's `source`), in words. */
const SOURCE = { card: t('source-card'), team_code: t('source-team-code'), link: t('source-link'), phone: t('source-phone'), transfer: t('source-transfer') };

/** A list that loads pages from `path` (answers {items, next_after}) and renders each item. */
function pagedList(path, renderItem, emptyText, id) {
  const list = h('ul', { class: 'list', id });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true, text: t('list-show-more') });
  const out = h('div');
  let after = null;
  const load = async () => {
    try {
      const sep = path.includes('?') ? '&' : '?';
      const page = await api('GET', `${path}${after ? `${sep}after=${after}` : ''}`);
      list.append(...page.items.map(renderItem));
      after = page.next_after;
      more.hidden = !after;
      if (list.children.length === 0) list.append(h('li', { class: 'empty', text: emptyText }));
    } catch (e) {
      out.replaceChildren(problemNotice(e));
    }
  };
  more.addEventListener('click', load);
  load();
  return h('div', {}, list, h('div', { class: 'actions' }, more), out);
}

/** A request's status, in words (the badge once it is decided). */
const REQUEST_STATUS = {
  accepted: t('request-status-accepted'), rejected: t('request-status-rejected'), cancelled: t('request-status-cancelled'),
};

function requestItem(r, incoming) {
  const other = incoming ? r.requester : r.owner;
  const status = h('div', { class: 'actions tight' });
  const decide = (verb) => async (ev) => {
    const out = h('div');
    status.append(out);
    await busy(ev.currentTarget, out, async () => {
      const done = await api('POST', `/v1/contact-requests/${r.id}/${verb}`);
      const text = { accepted: t('request-accepted', { name: other.name }), rejected: t('request-declined'), cancelled: t('request-withdrawn') }[done.status] || done.status;
      status.replaceChildren(h('span', { class: 'badge', text: REQUEST_STATUS[done.status] || done.status }), h('span', { class: 'small', text }));
    });
  };
  if (incoming) {
    status.append(
      h('button', { type: 'button', class: 'accept', onclick: decide('accept'), text: t('request-accept') }),
      h('button', { type: 'button', class: 'secondary reject', onclick: decide('reject'), text: t('request-decline') }));
  } else {
    status.append(h('button', { type: 'button', class: 'secondary cancel', onclick: decide('cancel'), text: t('request-withdraw') }));
  }
  const how = incoming ? VIA[r.via] || r.via : t('request-waiting');
  return h('li', { class: 'request', 'data-id': r.id },
    person(other, h('div', { class: 'meta' },
      `${how} · ${when(r.created_at)}`,
      r.card_channel && ' · ',
      r.card_channel && h('span', { class: 'badge', title: t('request-card-channel'), text: r.card_channel }))),
    status);
}

function inboxView() {
  if (!needRole('member')) return;
  show(pageHead(t('nav-inbox'), t('inbox-lead')),
    panel(t('inbox-to-you'),
      pagedList('/v1/contact-requests?direction=incoming&status=pending', (r) => requestItem(r, true), t('inbox-none-waiting'), 'incoming')),
    panel(t('inbox-sent'),
      pagedList('/v1/contact-requests?direction=outgoing&status=pending', (r) => requestItem(r, false), t('inbox-none-sent'), 'outgoing')),
    panel(t('inbox-changes'),
      pagedList('/v1/me/transfers', noticeItem, t('inbox-no-changes'), 'transfer-notices')));
}

/** What the status of a transfer means, in words. */
const TRANSFER_STATUS = {
  waiting: t('transfer-waiting'), done: t('transfer-done'), refused: t('transfer-refused'), not_possible: t('transfer-not-possible'),
};
const NOT_POSSIBLE = {
  already_connected: t('transfer-already-connected'),
  already_transferring: t('transfer-already-transferring'),
  successor_inactive: t('transfer-successor-inactive'),
  relation_gone: t('transfer-relation-gone'),
};

/** A transfer as the contact was told of it: refusable while it waits. */
function noticeItem(transfer) {
  const status = h('div', { class: 'actions tight' });
  if (transfer.status === 'waiting') {
    status.append(h('span', { class: 'small', text: t('transfer-takes-effect', { when: when(transfer.effective_at) }) }),
      confirmButton(t('transfer-refuse'), t('transfer-refuse-confirm'), async () => {
        const out = h('div');
        status.replaceChildren(out);
        try {
          const done = await api('POST', `/v1/me/transfers/${transfer.id}/refuse`);
          status.replaceChildren(h('span', { class: 'badge', text: TRANSFER_STATUS[done.status] }),
            h('span', { class: 'small', text: t('transfer-refused-text', { org: transfer.from.organization.name }) }));
        } catch (e) {
          out.replaceChildren(problemNotice(e));
        }
      }));
  } else {
    status.append(h('span', { class: 'badge', text: TRANSFER_STATUS[transfer.status] || transfer.status }));
  }
  return h('li', { class: 'transfer-notice', 'data-id': transfer.id },
    person(transfer.to, h('div', { class: 'meta' },
      h('p', { text: transfer.notice }), transfer.message && h('p', { class: 'message', text: transfer.message }),
      t('transfer-previously', { name: transfer.from.name, when: when(transfer.created_at) }))),
    status);
}

function contactsView() {
  if (!needRole('member')) return;
  const item = (c) => {
    const out = h('div');
    const book = c.book || { remark: null, note: null, tags: [] };
    const remark = h('input', { name: 'remark', maxlength: 64, value: book.remark || '', placeholder: t('book-remark') });
    const note = h('textarea', { name: 'note', maxlength: 2000, rows: 2, placeholder: t('book-note') });
    note.value = book.note || '';
    const chosen = new Set(book.tags.map((t) => t.id));
    const picker = h('fieldset', { class: 'tags' }, h('legend', { text: t('book-tags') }));
    const loadTags = async () => {
      const library = await orgTags();
      picker.replaceChildren(h('legend', { text: t('book-tags') }), ...(library.length ? library.map((t) => h('label', { class: 'tag-choice' },
        h('input', { type: 'checkbox', name: 'tag', value: t.id, checked: chosen.has(t.id) || null,
          onchange: (ev) => { if (ev.currentTarget.checked) chosen.add(t.id); else chosen.delete(t.id); } }),
        ` ${t.group}: ${t.name}`)) : [h('span', { class: 'muted small', text: t('book-no-tags') })]));
    };
    const edit = h('form', { class: 'book', hidden: true, onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const kept = await api('PATCH', `/v1/contacts/${c.id}`,
          { remark: remark.value.trim() || null, note: note.value.trim() || null, tags: [...chosen] });
        book.tags = kept.tags;
        tagBadges.replaceChildren(...badges(kept.tags));
        out.replaceChildren(notice('ok', t('saved'), kept.remark ? t('book-shown-as', { remark: kept.remark }) : t('book-private')));
        edit.hidden = true;
      } catch (e) {
        out.replaceChildren(problemNotice(e));
      }
    } }, remark, note, picker, h('button', { type: 'submit', text: t('save') }));
    const tagBadges = h('span', { class: 'tag-badges' },
      ...badges(book.tags));
    const li = h('li', { class: 'contact', 'data-id': c.id },
      person(c.contact, h('div', { class: 'meta' },
        book.remark && h('strong', { class: 'remark', text: book.remark }), book.remark && ' · ',
        c.mobile && h('a', { class: 'mobile', href: `tel:${c.mobile}`, text: c.mobile }), c.mobile && ' · ',
        t('contact-since', { date: day(c.since), source: SOURCE[c.source] || c.source }),
        c.channel && ' · ', c.channel && h('span', { class: 'badge', title: t('contact-channel'), text: c.channel }),
        tagBadges)),
      h('div', { class: 'actions tight' },
        h('button', { type: 'button', class: 'secondary edit-book', text: t('contact-edit-book'), onclick: async () => {
          edit.hidden = !edit.hidden;
          if (!edit.hidden) {
            try {
              await loadTags();
            } catch (e) {
              out.replaceChildren(problemNotice(e));
            }
          }
        } }),
        h('button', { type: 'button', class: 'secondary save-vcf', text: t('contact-save-vcf'), onclick: async () => {
          try {
            saveBlob(await api('GET', `/v1/contacts/${c.id}/vcard`), `contact-${c.id}.vcf`);
          } catch (e) {
            out.replaceChildren(problemNotice(e));
          }
        } }),
        confirmButton(t('remove'), t('remove-confirm'), async () => {
          try {
            await api('DELETE', `/v1/contacts/${c.id}`);
            li.remove();
          } catch (e) {
            out.replaceChildren(problemNotice(e));
          }
        })), edit, out);
    return li;
  };
  const exportAll = h('button', { type: 'button', class: 'secondary', text: t('contacts-export'), onclick: async () => {
    saveBlob(await api('GET', '/v1/contacts/vcard'), 'contacts.vcf');
  } });
  show(pageHead(t('contacts-title'), t('contacts-lead')),
    panel(null, h('div', { class: 'actions' }, exportAll),
      pagedList('/v1/contacts', item, t('contacts-none'), 'contacts')));
}

/** A contact's tags as badges, each after a space. */
function badges(tags) {
  return tags.flatMap((t) => [' ', h('span', { class: 'badge tag', title: t.group, text: t.name })]);
}

let tagLibrary = null;

/** The organization's tag library, read once per page load. */
async function orgTags() {
  if (!tagLibrary) tagLibrary = await api('GET', `/v1/orgs/${session.org_id}/contact-tags`);
  return tagLibrary;
}

// ---------------------------------------------------------------------------------------------
// Directory (members and admins)

// The organization's departments in tree order, each with its depth: parents before their
// children, siblings as the API orders them.
async function departmentTree() {
  const { items } = await api('GET', `/v1/orgs/${session.org_id}/departments`);
  const children = new Map();
  for (const d of items) {
    const key = d.parent_id ?? 0;
    if (!children.has(key)) children.set(key, []);
    children.get(key).push(d);
  }
  const ordered = [];
  const walk = (parent, depth) => {
    for (const d of children.get(parent) || []) {
      ordered.push({ d, depth });
      walk(d.id, depth + 1);
    }
  };
  walk(0, 0);
  return ordered;
}

// A <select> of the departments, indented by depth, after `first` (value '').
function departmentSelect(tree, props, first) {
  return h('select', props, h('option', { value: '', text: first }),
    tree.map(({ d, depth }) => h('option', { value: d.id, text: `${'\u00a0\u00a0'.repeat(depth)}${d.name}` })));
}

// Searches by name (any part, any case) or by exact employee id, as the directory API does,
// within a department (and everything under it) when one is chosen.
function directorySearch(renderItem, id) {
  const hints = { q: t('directory-any-part'), employee_id: t('directory-exact-id') };
  const input = h('input', { type: 'search', name: 'q', placeholder: hints.q, 'aria-label': t('directory-search'), autocomplete: 'off' });
  const by = h('select', { name: 'by', 'aria-label': t('directory-search-by'), onchange: () => { input.placeholder = hints[by.value]; } },
    h('option', { value: 'q', text: t('name') }), h('option', { value: 'employee_id', text: t('directory-id') }));
  const within = h('span');
  let department = '';
  const results = h('div');
  const run = () => {
    const q = input.value.trim();
    const org = session.org_id;
    const params = new URLSearchParams({ limit: '50' });
    if (q) params.set(by.value === 'employee_id' ? 'employee_id' : 'q', q);
    if (department) params.set('department', department);
    const empty = q || department ? t('directory-no-match') : t('directory-no-members');
    results.replaceChildren(pagedList(`/v1/orgs/${org}/directory?${params}`, renderItem, empty, id));
  };
  // Organizations without departments see no department filter.
  departmentTree().then((tree) => {
    if (tree.length === 0) return;
    const select = departmentSelect(tree, { name: 'department', 'aria-label': t('department'),
      onchange: () => { department = select.value; run(); } }, t('directory-all-departments'));
    within.replaceChildren(select);
  }).catch(() => {});
  const form = h('form', { class: 'search', role: 'search', onsubmit: (ev) => { ev.preventDefault(); run(); } },
    within, by, input, h('button', { type: 'submit', text: t('directory-search') }));
  run();
  return h('div', {}, form, results);
}

function directoryEntry(m) {
  return h('li', { class: 'member', 'data-id': m.id },
    person({ name: m.display_name, title: m.title },
      h('div', { class: 'meta' }, t('member-employee', { id: m.employee_id }), m.mobile && ` · ${m.mobile}`, m.email && ` · ${m.email}`)));
}

function directoryView() {
  if (!session) return signedOut();
  show(pageHead(t('nav-directory'), t('directory-lead', { org: session.org_name })),
    panel(null, directorySearch(directoryEntry, 'directory')));
}

// ---------------------------------------------------------------------------------------------
// Admin: members

function copyRow(value, label = t('signin-link')) {
  const input = h('input', { type: 'text', readonly: true, value, 'aria-label': label });
  const copy = h('button', { type: 'button', class: 'secondary', text: t('copy') });
  copy.addEventListener('click', async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(value);
      copy.textContent = t('copied');
    } catch {
      copy.textContent = t('copy-manually');
    }
  });
  return h('div', { class: 'copy-row' }, input, copy);
}

function linkNotice(link, forWhom) {
  return notice('ok', t('signin-link-for', { who: forWhom }),
    copyRow(link.url),
    t('signin-link-once', { until: when(link.expires_at) }));
}

function adminMemberItem(m) {
  const org = session.org_id;
  const out = h('div', { class: 'member-out' });
  const li = h('li', { class: 'member', 'data-id': m.id },
    person({ name: m.display_name, title: m.title }, h('div', { class: 'meta', text: t('member-employee', { id: m.employee_id }) })),
    h('div', { class: 'actions tight' },
      h('button', {
        type: 'button',
        class: 'secondary signin-link',
        onclick: (ev) => busy(ev.currentTarget, out, async () => {
          const link = await api('POST', `/v1/orgs/${org}/members/${m.id}/signin-links`);
          out.replaceChildren(linkNotice(link, m.display_name));
        }),
        text: t('signin-link'),
      }),
      h('a', { class: 'button secondary', href: `/v1/orgs/${org}/members/${m.id}/card/printable`, download: `${m.employee_id}.png`, text: t('member-card') }),
      confirmButton(t('member-deactivate'), t('member-deactivate-confirm'), async () => {
        try {
          await api('POST', `/v1/orgs/${org}/members/${m.id}/deactivate`);
          li.replaceChildren(h('span', { class: 'muted', text: t('member-deactivated', { name: m.display_name }) }));
        } catch (e) {
          out.replaceChildren(problemNotice(e));
        }
      })),
    out);
  return li;
}

function addMemberForm(onAdded) {
  const out = h('div');
  const field = (name, label, type = 'text', extra = {}) => [
    h('label', { for: `m-${name}`, text: label }),
    h('input', { type, id: `m-${name}`, name, ...extra }),
  ];
  const form = h('form', { id: 'add-member' },
    field('display_name', t('name'), 'text', { required: true, maxlength: 64 }),
    field('employee_id', t('employee-id'), 'text', { required: true }),
    field('title', t('member-title-optional')),
    field('mobile', t('member-mobile-optional'), 'tel', { placeholder: '+8613800138000' }),
    field('email', t('member-email-optional'), 'email', { placeholder: 'ada@example.com' }),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'phone_discoverable' }), t('member-discoverable')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('member-add') })),
    out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const body = { display_name: data.get('display_name'), employee_id: data.get('employee_id') };
    for (const key of ['title', 'mobile', 'email']) if (data.get(key).trim()) body[key] = data.get(key);
    body.phone_discoverable = data.get('phone_discoverable') === 'on';
    await busy(ev.submitter || form.querySelector('button'), out, async () => {
      const m = await api('POST', `/v1/orgs/${session.org_id}/members`, body);
      form.reset();
      out.replaceChildren(notice('ok', t('member-added', { name: m.display_name }), t('member-added-hint')));
      onAdded();
    });
  });
  return form;
}

function importForm(onAdded) {
  const out = h('div');
  const text = h('textarea', { id: 'import-csv', name: 'csv', spellcheck: 'false',
    placeholder: 'display_name,employee_id,title,mobile,phone_discoverable,email\nAda Lovelace,E-001,Engineer,+447700900123,true,ada@example.com' });
  const file = h('input', { type: 'file', accept: '.csv,text/csv', id: 'import-file' });
  file.addEventListener('change', async () => {
    if (file.files[0]) text.value = await file.files[0].text();
  });
  const button = h('button', { type: 'submit', text: t('import') });
  const form = h('form', { id: 'import-members' },
    h('p', { class: 'muted small', text: t('import-lead') }),
    h('label', { for: 'import-file', text: t('import-file') }), file,
    h('label', { for: 'import-csv', text: t('import-paste') }), text,
    h('div', { class: 'actions' }, button), out);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(button, out, async () => {
      const result = await api('POST', `/v1/orgs/${session.org_id}/members/import`, undefined, { raw: text.value, type: 'text/csv' });
      out.replaceChildren(notice('ok', t('import-done', { count: result.created })));
      text.value = '';
      onAdded();
    });
  });
  return form;
}

function adminMembersView() {
  if (!needRole('admin')) return;
  const listSlot = h('div');
  const refresh = () => listSlot.replaceChildren(directorySearch(adminMemberItem, 'members'));
  const adminOut = h('div');
  const adminLink = h('button', {
    type: 'button',
    class: 'secondary',
    id: 'admin-signin-link',
    onclick: (ev) => busy(ev.currentTarget, adminOut, async () => {
      const link = await api('POST', `/v1/orgs/${session.org_id}/signin-links`);
      adminOut.replaceChildren(linkNotice(link, t('signin-link-admin', { org: session.org_name })));
    }),
    text: t('members-admin-link'),
  });
  show(pageHead(t('nav-members'), t('members-lead', { org: session.org_name })),
    panel(t('nav-members'), listSlot),
    h('div', { class: 'grid-2' },
      panel(t('members-add'), addMemberForm(refresh)),
      panel(t('members-import'), importForm(refresh))),
    panel(t('members-admins'), h('p', { class: 'muted small', text: t('members-admins-hint') }), adminLink, adminOut));
  refresh();
}

// ---------------------------------------------------------------------------------------------
// Admin: departments

// One department's members (and those under it), with a way to take each direct member out and
// to put someone in by employee id; `onCount` hears each change to the direct members' count.
function departmentMembers(d, onCount) {
  const org = session.org_id;
  const out = h('div');
  const listSlot = h('div');
  const load = () => listSlot.replaceChildren(pagedList(`/v1/orgs/${org}/directory?department=${d.id}&limit=50`, (m) => {
    const li = h('li', { class: 'member', 'data-id': m.id },
      person({ name: m.display_name, title: m.title }, h('div', { class: 'meta', text: t('member-employee', { id: m.employee_id }) })),
      h('div', { class: 'actions tight' }, h('button', {
        type: 'button',
        class: 'secondary',
        text: t('remove'),
        onclick: (ev) => busy(ev.currentTarget, out, async () => {
          await api('DELETE', `/v1/orgs/${org}/departments/${d.id}/members/${m.id}`);
          out.replaceChildren(notice('ok', t('department-member-removed', { name: m.display_name, department: d.name })));
          load();
          onCount();
        }),
      })));
    return li;
  }, t('department-nobody'), `department-${d.id}-members`));
  const input = h('input', { type: 'text', name: 'employee_id', required: true, 'aria-label': t('employee-id'), placeholder: t('employee-id') });
  const form = h('form', { class: 'search add-to-department' }, input, h('button', { type: 'submit', text: t('department-add-member') }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(form.querySelector('button'), out, async () => {
      const found = await api('GET', `/v1/orgs/${org}/directory?employee_id=${encodeURIComponent(input.value.trim())}`);
      const m = found.items[0];
      if (!m) {
        out.replaceChildren(notice('bad', t('department-no-such-member')));
        return;
      }
      await api('PUT', `/v1/orgs/${org}/departments/${d.id}/members/${m.id}`);
      out.replaceChildren(notice('ok', t('department-member-added', { name: m.display_name, department: d.name })));
      form.reset();
      load();
      onCount();
    });
  });
  load();
  return h('div', { class: 'department-members' }, listSlot, form, out);
}

// Rename a department or move it (with everything under it) under another parent.
function departmentEditForm(d, tree, onDone) {
  const out = h('div');
  const name = h('input', { type: 'text', name: 'name', value: d.name, required: true, maxlength: 64, 'aria-label': t('name') });
  // A department cannot move under itself or below itself: those choices are not offered.
  const below = new Set([d.id]);
  for (const { d: x } of tree) if (below.has(x.parent_id)) below.add(x.id);
  const parent = departmentSelect(tree.filter(({ d: x }) => !below.has(x.id)), { name: 'parent_id', 'aria-label': t('department-parent') }, t('department-top-level'));
  parent.value = d.parent_id ?? '';
  const form = h('form', { class: 'search edit-department' }, name, parent, h('button', { type: 'submit', text: t('save') }), out);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(form.querySelector('button'), out, async () => {
      await api('PATCH', `/v1/orgs/${session.org_id}/departments/${d.id}`,
        { name: name.value, parent_id: parent.value ? Number(parent.value) : null });
      onDone();
    });
  });
  return form;
}

async function adminDepartmentsView() {
  if (!needRole('admin')) return;
  const org = session.org_id;
  const treeSlot = h('div');
  const addSlot = h('div');
  const refresh = async () => {
    let tree;
    try {
      tree = await departmentTree();
    } catch (e) {
      treeSlot.replaceChildren(problemNotice(e));
      return;
    }
    const list = h('ul', { class: 'list', id: 'departments' });
    for (const { d, depth } of tree) {
      const out = h('div', { class: 'department-detail' });
      const detail = h('div', { class: 'department-detail' });
      // One of the two panels open under the department at a time; its button closes it.
      let open = '';
      const toggle = (which, make) => () => {
        open = open === which ? '' : which;
        detail.replaceChildren(...(open ? [make()] : []));
      };
      const count = h('div', { class: 'meta' });
      const showCount = (n) => { count.textContent = t('department-count', { count: n }); };
      showCount(d.member_count);
      const recount = async () => showCount((await api('GET', `/v1/orgs/${org}/departments/${d.id}`)).member_count);
      const members = toggle('members', () => departmentMembers(d, recount));
      const edit = toggle('edit', () => departmentEditForm(d, tree, refresh));
      const li = h('li', { class: 'department', 'data-id': d.id },
        h('div', { class: 'person-text' }, h('strong', { text: d.name }), count),
        h('div', { class: 'actions tight' },
          h('button', { type: 'button', class: 'secondary members', text: t('nav-members'), onclick: members }),
          h('button', { type: 'button', class: 'secondary edit', text: t('department-edit'), onclick: edit }),
          confirmButton(t('delete'), t('delete-confirm'), async () => {
            try {
              await api('DELETE', `/v1/orgs/${org}/departments/${d.id}`);
              refresh();
            } catch (e) {
              out.replaceChildren(problemNotice(e));
            }
          })),
        detail, out);
      li.style.marginInlineStart = `${depth * 1.5}rem`;
      list.append(li);
    }
    if (tree.length === 0) list.append(h('li', { class: 'empty', text: t('departments-none') }));
    treeSlot.replaceChildren(list);
    addSlot.replaceChildren(addDepartmentForm(tree, refresh));
  };
  show(pageHead(t('nav-departments'), t('departments-lead', { org: session.org_name })),
    panel(t('nav-departments'), treeSlot), panel(t('departments-add'), addSlot));
  refresh();
}

function addDepartmentForm(tree, onAdded) {
  const out = h('div');
  const form = h('form', { id: 'add-department' },
    h('label', { for: 'd-name', text: t('name') }),
    h('input', { type: 'text', id: 'd-name', name: 'name', required: true, maxlength: 64 }),
    h('label', { for: 'd-parent', text: t('department-inside') }),
    departmentSelect(tree, { id: 'd-parent', name: 'parent_id' }, t('department-top-level')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('department-add') })), out);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const body = { name: data.get('name') };
    if (data.get('parent_id')) body.parent_id = Number(data.get('parent_id'));
    busy(form.querySelector('button'), out, async () => {
      await api('POST', `/v1/orgs/${session.org_id}/departments`, body);
      onAdded();
    });
  });
  return form;
}

// ---------------------------------------------------------------------------------------------
// Admin: contact ways (team codes)

const WAY_STATE = { live: t('way-live'), paused: t('way-paused'), expired: t('way-expired'), used_up: t('way-used-up'), deleted: t('way-deleted') };
const SHARING = {
  round_robin: [t('sharing-round-robin'), t('sharing-round-robin-hint')],
  fewest_pending: [t('sharing-fewest-pending'), t('sharing-fewest-pending-hint')],
};

/** Creates an SVG element (the chart's); attributes only, never HTML. */
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'text') el.textContent = value;
    else el.setAttribute(key, String(value));
  }
  el.append(...children.filter(Boolean));
  return el;
}

/** A duration in seconds, exactly, as hours, minutes and seconds. */
function duration(secs) {
  if (secs === null || secs === undefined) return '—';
  const parts = [];
  const hours = Math.floor(secs / 3600);
  const minutes = Math.floor((secs % 3600) / 60);
  const seconds = secs % 60;
  if (hours) parts.push(t('duration-hours', { n: hours }));
  if (minutes) parts.push(t('duration-minutes', { n: minutes }));
  if (seconds || parts.length === 0) parts.push(t('duration-seconds', { n: seconds }));
  return parts.join(' ');
}

/** Local midnight of `date`, plus `days`. */
function midnight(date, days = 0) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

function dateInputValue(d) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The way's QR (PNG and SVG), its poster and its plain link. */
function wayCodes(w) {
  const base = `/v1/orgs/${session.org_id}/contact-ways/${w.id}`;
  const v = `?v=${w.updated_at}`;
  const linkSlot = h('div', { class: 'way-link' }, h('p', { class: 'muted small', text: t('way-reading') }));
  const out = h('div');
  (async () => {
    try {
      const { url } = await api('GET', `${base}/link${v}`);
      linkSlot.replaceChildren(url
        ? h('div', {},
          h('p', { class: 'small', text: t('way-plain-link') }),
          h('p', {}, h('a', { class: 'way-url', href: url, target: '_blank', rel: 'noopener', text: url })),
          copyRow(url, t('way-link')))
        : notice('warn', t('way-link-none'), t('way-link-none-hint')));
    } catch (e) {
      linkSlot.replaceChildren(problemNotice(e));
    }
  })();
  const slug = `team-code-${w.id}`;
  return h('div', { class: 'way-codes grid-2' },
    h('div', { class: 'card-show' },
      h('img', { class: 'qr way-qr', src: `${base}/qr.png${v}`, alt: t('way-qr-alt', { name: w.name }), width: 240, height: 240 }),
      h('div', { class: 'actions' },
        h('a', { class: 'button secondary qr-png', href: `${base}/qr.png${v}`, download: `${slug}.png`, text: t('qr-png') }),
        h('a', { class: 'button secondary qr-svg', href: `${base}/qr.svg${v}`, download: `${slug}.svg`, text: t('qr-svg') })),
      linkSlot),
    h('div', {},
      h('img', { class: 'printable way-poster', src: `${base}/poster.png${v}`, alt: t('way-poster-alt', { name: w.name }) }),
      h('div', { class: 'actions' },
        h('a', { class: 'button secondary poster', href: `${base}/poster.png${v}`, download: `${slug}-poster.png`, text: t('way-poster') }))),
    out);
}

/**
 * An SVG bar chart, one column per day: the day's accepted requests in full colour over its
 * requests in a light one, the accepted count above.
 */
function barChart(days, label) {
  const width = 900;
  const height = 180;
  const top = 18;
  const bottom = 22;
  const max = Math.max(1, ...days.map((d) => Math.max(d.requests, d.accepted)));
  const step = width / days.length;
  const bar = Math.max(2, step * 0.7);
  const plot = height - top - bottom;
  const chart = svg('svg', { class: 'bar-chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label });
  chart.append(svg('line', { x1: 0, y1: height - bottom, x2: width, y2: height - bottom, class: 'axis' }));
  const column = (kind, x, value, title) => {
    const tall = (value / max) * plot;
    return svg('rect', { x, y: height - bottom - tall, width: bar, height: tall, class: `bar ${kind}`, 'data-value': value },
      svg('title', { text: title }));
  };
  days.forEach((d, i) => {
    const x = i * step + (step - bar) / 2;
    const date = new Date(d.from * 1000);
    const title = t('chart-day', { date: day(d.from), accepted: d.accepted, requests: d.requests });
    chart.append(svg('g', { class: 'day', 'data-day': dateInputValue(date) },
      column('requests', x, d.requests, title), column('accepted', x, d.accepted, title)));
    if (d.requests) {
      const y = height - bottom - (Math.max(d.requests, d.accepted) / max) * plot - 4;
      chart.append(svg('text', { x: x + bar / 2, y, class: 'value', 'text-anchor': 'middle', text: String(d.accepted) }));
    }
    // A date under the first column, every seventh (not crowding the last) and the last.
    if (i === 0 || i === days.length - 1 || (i % 7 === 0 && days.length - 1 - i >= 4)) {
      chart.append(svg('text', { x: x + bar / 2, y: height - 6, class: 'tick', 'text-anchor': 'middle', text: monthDays.format(date) }));
    }
  });
  const box = h('div', { class: 'chart-box' }, chart);
  // A phone scrolls the chart sideways: it opens on the latest days.
  requestAnimationFrame(() => { box.scrollLeft = box.scrollWidth; });
  return h('div', {}, box,
    h('p', { class: 'legend small muted' },
      h('span', { class: 'key accepted', 'aria-hidden': 'true' }), ' ', t('chart-accepted'), ' ',
      h('span', { class: 'key requests', 'aria-hidden': 'true' }), ' ', t('chart-requests')));
}

/** The funnel of a period's totals: each stage a bar as long as its share of the first. */
function funnel(stages) {
  const first = Math.max(1, stages[0][1]);
  return h('div', { class: 'funnel', id: 'way-funnel' }, stages.map(([stage, name, value, note]) => {
    const fill = h('span', { class: 'fill' });
    fill.style.width = `${Math.round((value / first) * 100)}%`;
    return h('div', { class: 'stage', 'data-stage': stage },
      h('div', { class: 'stage-label' }, h('strong', { text: name }), ' ', h('span', { class: 'count', text: String(value) }),
        note && h('span', { class: 'muted small', text: ` ${note}` })),
      h('div', { class: 'track' }, fill));
  }));
}

/** The way's statistics over a period (default: the last 30 days), from the stats API. */
function wayChart(w) {
  const base = `/v1/orgs/${session.org_id}/contact-ways/${w.id}/stats`;
  const today = midnight(new Date());
  const fromInput = h('input', { type: 'date', name: 'from', 'aria-label': t('chart-from'), value: dateInputValue(midnight(today, -29)) });
  const toInput = h('input', { type: 'date', name: 'to', 'aria-label': t('chart-to'), value: dateInputValue(today) });
  const out = h('div', { class: 'way-stats' }, h('p', { class: 'muted', text: t('chart-counting') }));
  const names = new Map(w.members.map((m) => [m.member_id, m.name]));
  const run = async () => {
    const [fy, fm, fd] = fromInput.value.split('-').map(Number);
    const [ty, tm, td] = toInput.value.split('-').map(Number);
    const start = new Date(fy, fm - 1, fd);
    const end = new Date(ty, tm - 1, td + 1);
    const days = [];
    for (let d = start; d < end && days.length < 92; d = midnight(d, 1)) days.push(d);
    if (!fromInput.value || !toInput.value || days.length === 0) {
      out.replaceChildren(notice('bad', t('chart-choose-period'), t('chart-period-order')));
      return;
    }
    const secs = (d) => Math.floor(d.getTime() / 1000);
    const stop = secs(midnight(days[days.length - 1], 1));
    out.replaceChildren(h('p', { class: 'muted', text: t('chart-counting') }));
    let total;
    let perDay;
    try {
      // The period's totals and its days from local midnight (the API counts the requests
      // created in from..to).
      const period = `from=${secs(days[0])}&to=${stop}`;
      [total, { days: perDay }] = await Promise.all([
        api('GET', `${base}?${period}`),
        api('GET', `${base}/days?${period}`),
      ]);
    } catch (e) {
      out.replaceChildren(problemNotice(e));
      return;
    }
    const sum = total.total;
    const rows = total.members.map((m) => h('tr', { 'data-member': m.member_id },
      h('td', { text: names.get(m.member_id) || t('chart-member', { id: String(m.member_id) }) }),
      ...[m.requests, m.pending, m.accepted, m.rejected, m.expired, m.cancelled].map((n) => h('td', { class: 'num', text: String(n) })),
      h('td', { text: duration(m.median_answer_secs) })));
    out.replaceChildren(
      h('h3', { text: t('chart-accepted-per-day') }),
      h('p', { class: 'muted small', text: t('chart-accepted-per-day-hint') }),
      barChart(perDay,
        t('chart-label', { name: w.name })),
      h('h3', { text: t('chart-funnel') }),
      funnel([
        ['scans', t('funnel-scans'), total.scans.scans, t('funnel-scans-note', { refused: total.scans.refused, waiting: total.scans.already_pending, connected: total.scans.already_connected, colleagues: total.scans.colleague })],
        ['requests', t('funnel-requests'), sum.requests, t('funnel-requests-note', { pending: sum.pending, rejected: sum.rejected, expired: sum.expired, cancelled: sum.cancelled })],
        ['accepted', t('funnel-accepted'), sum.accepted],
      ]),
      h('p', { class: 'muted small', text: t('chart-counts') }),
      h('p', { class: 'median' }, h('strong', { text: t('chart-median') }), ' ', h('span', { id: 'way-median', text: duration(sum.median_answer_secs) })),
      h('h3', { text: t('chart-per-member') }),
      h('div', { class: 'table-wrap' }, h('table', { class: 'way-members-stats' },
        h('thead', {}, h('tr', {}, [t('col-member'), t('col-requests'), t('col-pending'), t('col-accepted'), t('col-rejected'), t('col-expired'), t('col-withdrawn'), t('col-median')].map((c) => h('th', { text: c })))),
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 8, class: 'muted', text: t('chart-no-requests') }))))));
  };
  const form = h('form', { class: 'search way-period', onsubmit: (ev) => { ev.preventDefault(); run(); } },
    fromInput, toInput, h('button', { type: 'submit', class: 'secondary', text: t('chart-show') }));
  run();
  return h('div', { class: 'way-chart' }, form, out);
}

/** Who answers a way, in words. */
function answeredBy(w, departments) {
  const names = w.members.filter((m) => m.active).map((m) => m.name).join(', ') || t('way-nobody-active');
  if (w.department_id === null || w.department_id === undefined) return t('way-answered-by', { names });
  const d = departments.get(w.department_id);
  return t('way-answered-by-department', { department: d ? d.name : `#${w.department_id}`, names });
}

function wayItem(w, tree, departments, onChange) {
  const org = session.org_id;
  const out = h('div', { class: 'way-out' });
  const detail = h('div', { class: 'way-detail' });
  let open = '';
  const toggle = (which, make) => () => {
    open = open === which ? '' : which;
    detail.replaceChildren(...(open ? [make()] : []));
  };
  const facts = [
    w.channel && h('span', { class: 'badge channel', title: t('way-channel'), text: w.channel }),
    h('span', { class: `badge state ${w.state}`, text: WAY_STATE[w.state] || w.state }),
    h('span', { class: 'badge', text: SHARING[w.sharing] ? SHARING[w.sharing][0] : w.sharing }),
    h('span', { class: 'badge', text: w.auto_accept ? t('way-auto-accept') : t('way-approval') }),
    w.one_time && h('span', { class: 'badge', text: w.used_at ? t('way-one-time-used', { date: day(w.used_at) }) : t('way-one-time') }),
    w.expires_at && h('span', { class: 'badge', text: t('way-until', { when: when(w.expires_at) }) }),
  ].filter(Boolean).flatMap((b) => [b, ' ']);
  const pause = h('button', { type: 'button', class: 'secondary pause', text: w.paused ? t('way-resume') : t('way-pause'),
    onclick: (ev) => busy(ev.currentTarget, out, async () => {
      await api('PATCH', `/v1/orgs/${org}/contact-ways/${w.id}`, { paused: !w.paused });
      onChange();
    }) });
  return h('li', { class: 'way', 'data-id': w.id },
    h('div', { class: 'person-text' },
      h('strong', { class: 'way-name', text: w.name }),
      h('div', { class: 'meta' }, ...facts),
      h('div', { class: 'meta answerers', text: answeredBy(w, departments) }),
      w.welcome && h('div', { class: 'meta welcome', text: t('way-welcome', { welcome: w.welcome }) }),
      h('div', { class: 'meta', text: t(w.owner_member_id ? 'way-made-by-member' : 'way-made-by', { who: w.created_by, when: when(w.created_at) }) })),
    h('div', { class: 'actions tight' },
      h('button', { type: 'button', class: 'secondary codes', text: t('way-codes'), onclick: toggle('codes', () => wayCodes(w)) }),
      h('button', { type: 'button', class: 'secondary chart', text: t('way-chart'), onclick: toggle('chart', () => wayChart(w)) }),
      h('button', { type: 'button', class: 'secondary edit', text: t('way-edit'), onclick: toggle('edit', () => wayForm(tree, onChange, w)) }),
      pause,
      confirmButton(t('delete'), t('delete-confirm'), async () => {
        try {
          await api('DELETE', `/v1/orgs/${org}/contact-ways/${w.id}`);
          onChange();
        } catch (e) {
          out.replaceChildren(problemNotice(e));
        }
      })),
    detail, out);
}

/**
 * The form that creates a way, or with `w` edits it (prefilled; saved with PATCH, emptied
 * fields cleared). The add form's ids are `w-*`, an edit form's `we<id>-*`.
 */
function wayForm(tree, onDone, w = null) {
  const p = w ? `we${w.id}-` : 'w-';
  const out = h('div');
  const byDepartment = Boolean(w) && w.department_id !== null && w.department_id !== undefined;
  // A member's own way is answered by them alone: who answers is not edited.
  const own = Boolean(w && w.owner_member_id);
  const chosen = w && !byDepartment ? w.members.map((m) => ({ id: m.member_id, name: m.name })) : [];
  const chosenList = h('ol', { class: 'chosen', id: w ? `${p}chosen` : 'way-chosen' });
  const drawChosen = () => {
    chosenList.replaceChildren(...chosen.map((m, i) => h('li', { 'data-id': m.id }, h('span', { text: m.name }), ' ',
      h('button', { type: 'button', class: 'link-button', text: t('remove'), onclick: () => { chosen.splice(i, 1); drawChosen(); } }))));
    if (chosen.length === 0) chosenList.append(h('li', { class: 'empty', text: t('way-nobody-chosen') }));
  };
  drawChosen();
  const pickItem = (m) => h('li', { class: 'member', 'data-id': m.id },
    person({ name: m.display_name, title: m.title }, h('div', { class: 'meta', text: t('member-employee', { id: m.employee_id }) })),
    h('div', { class: 'actions tight' }, h('button', { type: 'button', class: 'secondary add-answerer', text: t('way-add-answerer'),
      onclick: () => {
        if (!chosen.some((c) => c.id === m.id)) chosen.push({ id: m.id, name: m.display_name });
        drawChosen();
      } })));
  const membersBox = h('div', { class: 'answer-members', hidden: byDepartment || null },
    chosenList, directorySearch(pickItem, w ? `${p}directory` : 'way-directory'));
  const deptSelect = departmentSelect(tree, { id: `${p}department`, name: 'department_id', 'aria-label': t('department') }, t('way-choose-department'));
  if (byDepartment) deptSelect.value = String(w.department_id);
  const deptBox = h('div', { class: 'answer-department', hidden: !byDepartment || null },
    deptSelect, h('p', { class: 'muted small', text: t('way-department-hint') }));
  const mode = (value, label, checked) => h('label', { class: 'check' },
    h('input', { type: 'radio', name: 'answered_by', value, checked: checked || null, onchange: () => {
      membersBox.hidden = value !== 'members';
      deptBox.hidden = value !== 'department';
    } }), label);
  const field = (name, label, input) => [h('label', { for: `${p}${name}`, text: label }), input];
  const sharing = h('select', { id: `${p}sharing`, name: 'sharing' },
    Object.entries(SHARING).map(([value, [label, hint]]) => h('option', { value, text: `${label}: ${hint}` })));
  if (w) sharing.value = w.sharing;
  const welcome = h('textarea', { id: `${p}welcome`, name: 'welcome', maxlength: 500, rows: 2 });
  if (w && w.welcome) welcome.value = w.welcome;
  const check = (name, id, label, checked) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name, id: `${p}${id}`, checked: checked || null }), label);
  const form = h('form', { id: w ? `edit-way-${w.id}` : 'add-way', class: w ? 'edit-way' : null },
    ...field('name', t('way-name'), h('input', { type: 'text', id: `${p}name`, name: 'name', required: true, maxlength: 64,
      placeholder: t('way-name-example'), value: w ? w.name : null })),
    ...field('channel', t('way-channel-optional'), h('input', { type: 'text', id: `${p}channel`, name: 'channel', maxlength: 30,
      pattern: '[A-Za-z0-9._\\-]+', value: w && w.channel ? w.channel : null })),
    !own && h('fieldset', { class: 'answered-by' }, h('legend', { text: t('way-who-answers') }),
      mode('members', t('way-these-members'), !byDepartment),
      tree.length > 0 && mode('department', t('way-a-department'), byDepartment),
      membersBox, deptBox),
    ...field('sharing', t('way-sharing'), sharing),
    check('auto_accept', 'auto-accept', t('way-auto-accept-check'), w && w.auto_accept),
    check('one_time', 'one-time', t('way-one-time-check'), w && w.one_time),
    ...field('expires', t('way-expires'), h('input', { type: 'datetime-local', id: `${p}expires`, name: 'expires',
      value: w && w.expires_at ? localDateTime(w.expires_at) : null })),
    ...field('welcome', t('way-welcome-field'), welcome),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: w ? `${p}save` : 'w-create', text: w ? t('way-save') : t('way-create') })), out);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    // The directory search inside is a form of its own, whose submit bubbles up to this one.
    if (ev.target !== form) return;
    const data = new FormData(form);
    const body = { name: data.get('name'), sharing: data.get('sharing'),
      auto_accept: data.get('auto_accept') === 'on', one_time: data.get('one_time') === 'on' };
    // An edit clears what was emptied; a new way leaves it out.
    const optional = (name, value) => {
      if (value !== null) body[name] = value;
      else if (w) body[name] = null;
    };
    optional('channel', data.get('channel').trim() || null);
    optional('welcome', data.get('welcome').trim() ? data.get('welcome') : null);
    optional('expires_at', data.get('expires') ? Math.floor(new Date(data.get('expires')).getTime() / 1000) : null);
    if (own) {
      // Left as it is.
    } else if (data.get('answered_by') === 'department') {
      if (data.get('department_id')) body.department_id = Number(data.get('department_id'));
    } else {
      body.members = chosen.map((m) => m.id);
    }
    const base = `/v1/orgs/${session.org_id}/contact-ways`;
    busy(form.querySelector('button[type=submit]'), out, async () => {
      if (w) {
        const saved = await api('PATCH', `${base}/${w.id}`, body);
        onDone(saved);
        return;
      }
      const made = await api('POST', base, body);
      form.reset();
      chosen.length = 0;
      drawChosen();
      membersBox.hidden = false;
      deptBox.hidden = true;
      out.replaceChildren(notice('ok', t('way-created', { name: made.name }), t('way-created-hint')));
      onDone(made);
    });
  });
  return form;
}

/** A `datetime-local` value for `secs`, in the reader's time zone. */
function localDateTime(secs) {
  const d = new Date(secs * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${dateInputValue(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

async function adminWaysView() {
  if (!needRole('admin')) return;
  const org = session.org_id;
  const listSlot = h('div');
  const addSlot = h('div');
  let tree = [];
  const refresh = async () => {
    let page;
    try {
      [page, tree] = await Promise.all([api('GET', `/v1/orgs/${org}/contact-ways?limit=200`), departmentTree()]);
    } catch (e) {
      listSlot.replaceChildren(problemNotice(e));
      return;
    }
    const departments = new Map(tree.map(({ d }) => [d.id, d]));
    const list = h('ul', { class: 'list', id: 'ways' }, page.items.map((w) => wayItem(w, tree, departments, refresh)));
    if (page.items.length === 0) list.append(h('li', { class: 'empty', text: t('ways-none') }));
    listSlot.replaceChildren(list, ...(page.next_after ? [h('p', { class: 'muted small', text: t('ways-newest') })] : []));
  };
  show(pageHead(t('nav-team-codes'), t('ways-lead', { org: session.org_name })),
    panel(t('nav-team-codes'), listSlot), panel(t('ways-new'), addSlot));
  await refresh();
  addSlot.replaceChildren(wayForm(tree, refresh));
}

// ---------------------------------------------------------------------------------------------
// Admin: policy and partners

const POLICIES = [
  ['disabled', t('policy-disabled'), t('policy-disabled-hint')],
  ['partners_only', t('policy-partners-only'), t('policy-partners-only-hint')],
  ['open', t('policy-open'), t('policy-open-hint')],
];

/** The languages an organization's cards are drawn in (any BCP 47 tag is accepted by the API). */
const ORG_LANGS = [['zh-Hans', 'org-lang-zh-hans'], ['zh-Hant-TW', 'org-lang-zh-hant-tw'], ['zh-Hant-HK', 'org-lang-zh-hant-hk'],
  ['ja', 'org-lang-ja'], ['ko', 'org-lang-ko'], ['en', 'org-lang-en']];

async function adminPolicyView() {
  if (!needRole('admin')) return;
  const org = session.org_id;
  const out = h('div');
  show(pageHead(t('policy-title'), t('policy-lead')), out);
  let current;
  let partners;
  let hook;
  try {
    [current, partners, hook] = await Promise.all([
      api('GET', `/v1/orgs/${org}`),
      api('GET', `/v1/orgs/${org}/partners`),
      // No webhook yet is a 404.
      api('GET', `/v1/orgs/${org}/webhook`).catch((e) => {
        if (e instanceof Problem && e.status === 404) return null;
        throw e;
      }),
    ]);
  } catch (e) {
    out.replaceChildren(problemNotice(e));
    return;
  }
  const policyOut = h('div');
  const policyForm = h('form', { id: 'policy' },
    h('div', { class: 'policy-choice' }, POLICIES.map(([value, title, text]) =>
      h('label', {}, h('input', { type: 'radio', name: 'policy', value, checked: current.policy === value }),
        h('span', {}, h('strong', { text: title }), h('span', { class: 'small muted', text })))),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('policy-save') })), policyOut);
  policyForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const policy = new FormData(policyForm).get('policy');
    busy(policyForm.querySelector('button'), policyOut, async () => {
      current = await api('PATCH', `/v1/orgs/${org}`, { policy });
      policyOut.replaceChildren(notice('ok', t('policy-saved')));
    });
  });

  // The organization's language: the glyph forms and the footer of the cards it prints.
  const langOut = h('div');
  const langSelect = h('select', { id: 'org-lang', name: 'lang', 'aria-label': t('org-lang-title') },
    ORG_LANGS.map(([value, key]) => h('option', { value, text: t(key) })));
  if (!ORG_LANGS.some(([value]) => value === current.lang)) langSelect.append(h('option', { value: current.lang, text: current.lang }));
  langSelect.value = current.lang;
  const langForm = h('form', { id: 'org-language', class: 'search' }, langSelect,
    h('button', { type: 'submit', text: t('org-lang-save') }));
  langForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(langForm.querySelector('button'), langOut, async () => {
      current = await api('PATCH', `/v1/orgs/${org}`, { lang: langSelect.value });
      langOut.replaceChildren(notice('ok', t('org-lang-saved'), t('org-lang-saved-hint')));
    });
  });

  const list = h('ul', { class: 'list', id: 'partners' });
  const partnerOut = h('div');
  const renderPartners = () => {
    list.replaceChildren(...(partners.length === 0
      ? [h('li', { class: 'empty', text: t('partners-none') })]
      : partners.map((p) => h('li', { 'data-id': p.id },
        h('div', {}, h('strong', { text: p.name ?? t('partner-org', { id: String(p.id) }) }), h('div', { class: 'meta', text: p.name ? t('partner-org', { id: String(p.id) }) : t('partner-unnamed') })),
        confirmButton(t('remove'), t('remove-confirm'), async () => {
          try {
            await api('DELETE', `/v1/orgs/${org}/partners/${p.id}`);
            partners = partners.filter((x) => x.id !== p.id);
            renderPartners();
          } catch (e) {
            partnerOut.replaceChildren(problemNotice(e));
          }
        })))));
  };
  renderPartners();
  const partnerId = h('input', { type: 'number', id: 'partner-id', min: 1, required: true, inputmode: 'numeric' });
  const addPartner = h('form', { id: 'add-partner', class: 'search' }, partnerId, h('button', { type: 'submit', text: t('partner-add') }));
  addPartner.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(addPartner.querySelector('button'), partnerOut, async () => {
      await api('PUT', `/v1/orgs/${org}/partners/${Number(partnerId.value)}`);
      partners = await api('GET', `/v1/orgs/${org}/partners`);
      partnerId.value = '';
      partnerOut.replaceChildren();
      renderPartners();
    });
  });

  const hookOut = h('div');
  const hookNow = h('p', { class: 'small', id: 'webhook-now' });
  const showHook = () => hookNow.replaceChildren(hook
    ? t('webhook-now', { url: hook.url, date: day(hook.created_at) })
    : t('webhook-none'));
  showHook();
  const hookUrl = h('input', { type: 'url', id: 'webhook-url', 'aria-label': t('webhook-url'), placeholder: 'https://example.com/namecard-events' });
  const hookForm = h('form', { id: 'webhook', class: 'search' }, hookUrl, h('button', { type: 'submit', text: t('save') }));
  hookForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(hookForm.querySelector('button'), hookOut, async () => {
      hook = await api('PUT', `/v1/orgs/${org}/webhook`, { url: hookUrl.value });
      hookUrl.value = '';
      showHook();
      hookOut.replaceChildren(notice('ok', t('webhook-saved'), t('webhook-secret-once'), copyRow(hook.secret)));
    });
  });
  const removeHook = confirmButton(t('webhook-remove'), t('remove-confirm'), async () => {
    try {
      await api('DELETE', `/v1/orgs/${org}/webhook`);
      hook = null;
      showHook();
      hookOut.replaceChildren(notice('ok', t('webhook-removed')));
    } catch (e) {
      hookOut.replaceChildren(problemNotice(e));
    }
  });

  out.replaceChildren(
    panel(t('org-lang-title'), h('p', { class: 'muted small', text: t('org-lang-lead') }), langForm, langOut),
    panel(t('contacts-title'), policyForm),
    await ssoSettingsPanel(org),
    await scimTokensPanel(org),
    h('div', { class: 'grid-2' },
      panel(t('partners-title'), list,
        h('label', { for: 'partner-id', text: t('partner-add-label') }), addPartner, partnerOut),
      panel(t('webhook-title'), h('p', { class: 'muted small', text: t('webhook-lead') }),
        hookNow, hookForm, h('div', { class: 'actions' }, removeHook), hookOut)));
}

/** Admin: the organization's OpenID provider (single sign-on). The client secret is never shown. */
async function ssoSettingsPanel(org) {
  let sso = await api('GET', `/v1/orgs/${org}/oidc`).catch((e) => {
    if (e instanceof Problem && e.status === 404) return null;
    throw e;
  });
  const out = h('div');
  const now = h('div', { id: 'sso-now' });
  const field = (id, label, props = {}) => [h('label', { for: id, text: label }), h('input', { id, name: id, ...props })];
  const matchOn = h('select', { id: 'sso-match-on', name: 'match_on' },
    h('option', { value: 'email', text: t('sso-match-email') }), h('option', { value: 'employee_id', text: t('sso-match-employee-id') }));
  const form = h('form', { id: 'sso-settings', class: 'stack' },
    ...field('sso-issuer', t('sso-issuer'), { type: 'url', required: true, placeholder: 'https://login.microsoftonline.com/<tenant id>/v2.0' }),
    ...field('sso-client-id', t('sso-client-id'), { type: 'text', required: true }),
    ...field('sso-client-secret', t('sso-client-secret'), { type: 'password', autocomplete: 'off' }),
    h('label', { for: 'sso-match-on', text: t('sso-match-on') }), matchOn,
    ...field('sso-claim', t('sso-claim'), { type: 'text', placeholder: 'email' }),
    ...field('sso-label', t('sso-button-label'), { type: 'text', placeholder: 'Acme Entra ID' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('sso-save') })), out);
  const value = (id) => form.querySelector(`#${id}`).value.trim();
  const render = () => {
    const redirect = sso ? sso.redirect_uri : `${location.origin}/auth/oidc/callback`;
    now.replaceChildren(
      h('p', { class: 'small', text: sso ? t(sso.match_on === 'email' ? 'sso-now-email' : 'sso-now-employee-id', { issuer: sso.issuer, claim: sso.claim }) : t('sso-now-none') }),
      h('p', { class: 'small muted', text: t('sso-redirect') }), copyRow(redirect),
      sso && h('p', { class: 'small muted', text: t('sso-start') }), sso && copyRow(sso.start_url));
    if (sso) {
      form.querySelector('#sso-issuer').value = sso.issuer;
      form.querySelector('#sso-client-id').value = sso.client_id;
      form.querySelector('#sso-claim').value = sso.claim;
      form.querySelector('#sso-label').value = sso.label;
      form.querySelector('#sso-client-secret').placeholder = t('sso-secret-stored');
      matchOn.value = sso.match_on;
    }
  };
  render();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(form.querySelector('button'), out, async () => {
      const body = { issuer: value('sso-issuer'), client_id: value('sso-client-id'), match_on: matchOn.value };
      if (value('sso-client-secret')) body.client_secret = value('sso-client-secret');
      if (value('sso-claim')) body.claim = value('sso-claim');
      if (value('sso-label')) body.label = value('sso-label');
      sso = await api('PUT', `/v1/orgs/${org}/oidc`, body);
      form.querySelector('#sso-client-secret').value = '';
      render();
      out.replaceChildren(notice('ok', t('sso-saved')));
    });
  });
  const remove = confirmButton(t('sso-remove'), t('remove-confirm'), async () => {
    try {
      await api('DELETE', `/v1/orgs/${org}/oidc`);
      sso = null;
      form.reset();
      render();
      out.replaceChildren(notice('ok', t('sso-removed'), t('sso-removed-hint')));
    } catch (e) {
      out.replaceChildren(problemNotice(e));
    }
  });
  return panel(t('sso-panel'), now, form, h('div', { class: 'actions' }, remove));
}

/** Admin: the organization's SCIM tokens, for its identity provider's provisioning. A token's
 * secret is shown once, when it is made. */
async function scimTokensPanel(org) {
  let tokens = await api('GET', `/v1/orgs/${org}/scim/tokens`);
  const out = h('div');
  const list = h('ul', { class: 'list', id: 'scim-tokens' });
  const render = () => list.replaceChildren(...(tokens.length ? tokens.map((token) => h('li', {},
    h('span', { text: token.last_used_at ? t('scim-token-used', { label: token.label, made: day(token.created_at), used: day(token.last_used_at) }) : t('scim-token-unused', { label: token.label, made: day(token.created_at) }) }),
    confirmButton(t('scim-revoke'), t('scim-revoke-confirm'), async () => {
      try {
        await api('DELETE', `/v1/orgs/${org}/scim/tokens/${token.id}`);
        tokens = tokens.filter((x) => x.id !== token.id);
        render();
        out.replaceChildren(notice('ok', t('scim-revoked'), t('scim-revoked-hint')));
      } catch (e) {
        out.replaceChildren(problemNotice(e));
      }
    })))
    : [h('li', { class: 'muted', text: t('scim-none') })]));
  render();
  const label = h('input', { type: 'text', id: 'scim-label', 'aria-label': t('scim-label'), required: true, maxlength: 100, placeholder: 'Entra ID' });
  const form = h('form', { id: 'scim-new', class: 'search' }, label, h('button', { type: 'submit', text: t('scim-create') }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(form.querySelector('button'), out, async () => {
      const made = await api('POST', `/v1/orgs/${org}/scim/tokens`, { label: label.value.trim() });
      tokens = await api('GET', `/v1/orgs/${org}/scim/tokens`);
      label.value = '';
      render();
      out.replaceChildren(notice('ok', t('scim-created'), t('scim-created-hint'),
        h('p', { class: 'small muted', text: t('scim-base-url') }), copyRow(made.scim_base_url),
        h('p', { class: 'small muted', text: t('scim-token') }), copyRow(made.secret)));
    });
  });
  return panel(t('scim-panel'),
    h('p', { class: 'muted small', text: t('scim-lead') }),
    list, form, out);
}

// ---------------------------------------------------------------------------------------------
// Admin: printable cards for everyone

async function allMemberIds(org) {
  const ids = [];
  let after = 0;
  for (;;) {
    const page = await api('GET', `/v1/orgs/${org}/directory?limit=100&after=${after}`);
    ids.push(...page.items.map((m) => m.id));
    if (!page.next_after) return ids;
    after = page.next_after;
  }
}

function adminCardsView() {
  if (!needRole('admin')) return;
  const out = h('div', { id: 'cards-out' });
  const button = h('button', { type: 'button', id: 'download-cards', text: t('cards-download') });
  button.addEventListener('click', () => busy(button, out, async () => {
    out.replaceChildren(h('p', { class: 'muted', text: t('cards-collecting') }));
    const ids = await allMemberIds(session.org_id);
    if (ids.length === 0) {
      out.replaceChildren(notice('info', t('cards-no-members')));
      return;
    }
    // The API bundles up to 500 cards per archive.
    const chunks = [];
    for (let i = 0; i < ids.length; i += 500) chunks.push(ids.slice(i, i + 500));
    for (const [n, chunk] of chunks.entries()) {
      out.replaceChildren(h('p', { class: 'muted', text: t('cards-rendering', { first: n * 500 + 1, last: n * 500 + chunk.length, total: ids.length }) }));
      const zip = await api('POST', `/v1/orgs/${session.org_id}/cards/bulk`, { member_ids: chunk });
      saveBlob(zip, chunks.length === 1 ? 'cards.zip' : `cards-${n + 1}.zip`);
    }
    out.replaceChildren(notice('ok', t('cards-downloaded', { count: ids.length }),
      t('cards-downloaded-hint')));
  }));
  show(pageHead(t('cards-title'), t('cards-lead', { org: session.org_name })),
    panel(null,
      h('p', { text: t('cards-reuse') }),
      h('div', { class: 'actions' }, button), out));
}

// ---------------------------------------------------------------------------------------------
// Admin: audit log

/** An audit action in the reader's language; the code itself where an older entry holds one
 * this version has no words for. */
function actionLabel(action) {
  const key = `audit-action-${action.replace(/[._]/g, '-')}`;
  return has(key) ? t(key) : action;
}

function adminAuditView() {
  if (!needRole('admin')) return;
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true, text: t('audit-more') });
  const out = h('div');
  let after = 0;
  const limit = 100;
  const load = async () => {
    try {
      const entries = await api('GET', `/v1/orgs/${session.org_id}/audit?after=${after}&limit=${limit}`);
      body.append(...entries.map((e) => h('tr', {},
        h('td', { class: 'when', text: when(e.at) }), h('td', { class: 'who mono', text: e.actor }),
        h('td', { class: 'what', 'data-action': e.action, title: e.action, text: actionLabel(e.action) }), h('td', { class: 'target mono', text: e.target }),
        h('td', { class: 'detail mono', text: e.detail }))));
      if (entries.length > 0) after = entries[entries.length - 1].id;
      more.hidden = entries.length < limit;
      if (body.children.length === 0) out.replaceChildren(h('p', { class: 'empty', text: t('audit-none') }));
    } catch (e) {
      out.replaceChildren(problemNotice(e));
    }
  };
  more.addEventListener('click', load);
  show(pageHead(t('nav-audit'), t('audit-lead')),
    panel(null, h('div', { class: 'table-wrap' }, h('table', { id: 'audit' },
      h('thead', {}, h('tr', {}, [t('audit-when'), t('audit-who'), t('audit-what'), t('audit-target'), t('audit-detail')].map((c) => h('th', { text: c })))), body)),
    h('div', { class: 'actions' }, more), out));
  load();
}

// ---------------------------------------------------------------------------------------------
// Admin: the organization's contacts and transfers

/** A transfer of one contact as the admin sees it. */
function transferItem(transfer) {
  const why = transfer.reason ? ` (${NOT_POSSIBLE[transfer.reason] || transfer.reason})` : '';
  const state = transfer.status === 'waiting' ? t('transfer-takes-effect-admin', { when: when(transfer.effective_at) }) : TRANSFER_STATUS[transfer.status] + why;
  return h('li', { class: 'transfer', 'data-id': transfer.id, 'data-status': transfer.status },
    person(transfer.contact, h('div', { class: 'meta' }, `${transfer.from.name} → ${transfer.to.name} · ${state}`)),
    h('span', { class: 'badge', text: TRANSFER_STATUS[transfer.status] || transfer.status }));
}

/** A form handing all of `holder`'s contacts to an active colleague chosen from the directory. */
function handOverForm(holder, onDone) {
  const out = h('div');
  const to = h('select', { name: 'to', 'aria-label': t('transfer-hand-to'), required: true },
    h('option', { value: '', text: t('transfer-choose-colleague') }));
  const message = h('textarea', { name: 'message', maxlength: 500, rows: 2,
    placeholder: t('transfer-message-example', { name: holder.name }) });
  api('GET', `/v1/orgs/${session.org_id}/directory?limit=100`).then((page) => {
    to.append(...page.items.filter((m) => m.id !== holder.member_id)
      .map((m) => h('option', { value: m.id, text: m.title ? `${m.display_name} (${m.title})` : m.display_name })));
  }, (e) => out.replaceChildren(problemNotice(e)));
  const form = h('form', { class: 'hand-over', onsubmit: async (ev) => {
    ev.preventDefault();
    await busy(form.querySelector('button'), out, async () => {
      const started = await api('POST', `/v1/orgs/${session.org_id}/transfers`, {
        from: holder.member_id, to: Number(to.value), message: message.value.trim() || undefined,
      });
      const waiting = started.items.filter((t) => t.status === 'waiting').length;
      out.replaceChildren(notice('ok', t('transfer-started', { waiting, total: started.items.length }),
        t('transfer-started-hint'),
        h('ul', { class: 'list', id: 'transfer-results' }, ...started.items.map(transferItem))));
      onDone();
    });
  } }, to, message, h('button', { type: 'submit', text: t('transfer-hand-over') }));
  return h('div', {}, form, out);
}

async function adminContactsView() {
  if (!needRole('admin')) return;
  const org = session.org_id;
  const leavers = h('ul', { class: 'list', id: 'unassigned' });
  const transfers = h('div');
  const reloadTransfers = () => transfers.replaceChildren(
    pagedList(`/v1/orgs/${org}/transfers`, transferItem, t('transfers-none'), 'transfers'));
  const loadLeavers = async () => {
    try {
      const page = await api('GET', `/v1/orgs/${org}/external-contacts?unassigned=true&limit=200`);
      const byHolder = new Map();
      for (const c of page.items) {
        const entry = byHolder.get(c.holder.member_id) || { holder: c.holder, contacts: [] };
        entry.contacts.push(c.contact);
        byHolder.set(c.holder.member_id, entry);
      }
      leavers.replaceChildren(...[...byHolder.values()].map(({ holder, contacts }) => {
        const names = contacts.slice(0, 5).map((p) => `${p.name} (${p.organization.name})`).join(', ');
        return h('li', { class: 'leaver', 'data-id': holder.member_id },
          person({ name: holder.name, title: holder.title }, h('div', { class: 'meta' },
            t('leaver-contacts', { count: contacts.length, names: `${names}${contacts.length > 5 ? ', …' : ''}` }))),
          handOverForm(holder, () => { reloadTransfers(); }));
      }));
      if (byHolder.size === 0) leavers.append(h('li', { class: 'empty', text: t('leavers-none') }));
    } catch (e) {
      leavers.replaceChildren(h('li', {}, problemNotice(e)));
    }
  };
  const exportCsv = h('button', { type: 'button', class: 'secondary', text: t('org-contacts-export'), onclick: async () => {
    saveBlob(await api('GET', `/v1/orgs/${org}/external-contacts/csv`), `external-contacts-${org}.csv`);
  } });
  show(pageHead(t('nav-contacts'), t('org-contacts-lead', { org: session.org_name })),
    panel(t('org-contacts-unassigned'), leavers),
    panel(t('org-contacts-transfers'), transfers),
    panel(t('org-contacts-every'), h('div', { class: 'actions' }, exportCsv)));
  reloadTransfers();
  await loadLeavers();
}

// ---------------------------------------------------------------------------------------------
// Routing

function home() {
  if (!session) return signedOut();
  return session.role === 'member' ? cardView() : adminMembersView();
}

const VIEWS = {
  '/': home,
  '/card': cardView,
  '/scan': scanView,
  '/inbox': inboxView,
  '/contacts': contactsView,
  '/directory': directoryView,
  '/admin': adminMembersView,
  '/admin/departments': adminDepartmentsView,
  '/admin/contact-ways': adminWaysView,
  '/admin/contacts': adminContactsView,
  '/admin/policy': adminPolicyView,
  '/admin/cards': adminCardsView,
  '/admin/audit': adminAuditView,
};

async function start() {
  let path = location.pathname;
  if (path === '/signin') {
    // Signed out: the top bar has only the language switch.
    renderChrome();
    await signinView(decodeURIComponent(location.hash.slice(1)));
    document.body.dataset.ready = 'true';
    return;
  }
  try {
    session = await api('GET', '/v1/session');
  } catch {
    session = null;
  }
  if (path === '/' && session) {
    // Home is the signed-in person's first page; show its address so the menu marks it.
    path = session.role === 'member' ? '/card' : '/admin';
    history.replaceState(null, '', path);
  }
  renderChrome();
  const card = path.match(/^\/[Cc]\/([^/]+)$/);
  if (card) {
    await cardLinkView(decodeURIComponent(card[1]));
  } else {
    await (VIEWS[path] || home)();
  }
  document.body.dataset.ready = 'true';
}

start();
