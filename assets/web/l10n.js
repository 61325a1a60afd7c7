// The words of namecard's pages: every string people read comes from the catalogue of the
// page's language (assets/locales/<locale>/*.ftl, Fluent), which the server serves already
// parsed, as JSON (/assets/locales/<locale>.json): no Fluent parser here, no code evaluated. The
// page's <html lang> names the language (the switch's cookie, else Accept-Language).

const SUPPORTED = ['en', 'zh-CN', 'zh-TW'];

/** The page's language: one of SUPPORTED. */
export const LOCALE = SUPPORTED.includes(document.documentElement.lang) ? document.documentElement.lang : 'en';

/** The language switch's choices, each named in its own language. */
export const LOCALE_NAMES = [['zh-CN', '简体中文'], ['zh-TW', '繁體中文'], ['en', 'English']];

const LOCALE_COOKIE = 'nc_locale';

async function loadMessages(locale) {
  const response = await fetch(`/assets/locales/${locale}.json`, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`catalogue ${locale}: HTTP ${response.status}`);
  return (await response.json()).messages;
}

/** The page language's messages; English ones if that catalogue cannot be had. */
const MESSAGES = await loadMessages(LOCALE).catch(() => loadMessages('en')).catch(() => ({}));
const plurals = new Intl.PluralRules(LOCALE);
const numbers = new Intl.NumberFormat(LOCALE);

/** Dates and times as the reader's language writes them. */
export const dateTimes = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'short' });
export const dates = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium' });
export const monthDays = new Intl.DateTimeFormat(LOCALE, { month: 'numeric', day: 'numeric' });

/** A pattern (a string, or parts: strings, {var}, {select, variants, default}) with `args`. */
function formatPattern(pattern, args) {
  if (typeof pattern === 'string') return pattern;
  if (!Array.isArray(pattern)) return '';
  return pattern.map((part) => {
    if (typeof part === 'string') return part;
    if (part.var !== undefined) {
      const value = args[part.var];
      return typeof value === 'number' ? numbers.format(value) : String(value ?? '');
    }
    // A selector: an exact value's variant first, then the number's plural category.
    const value = args[part.select];
    let key = String(value);
    if (!(key in part.variants) && typeof value === 'number') key = plurals.select(value);
    return formatPattern(key in part.variants ? part.variants[key] : part.variants[part.default], args);
  }).join('');
}

/** Message `key` in the page's language, its `{ $name }` placeables filled from `args`. */
export function t(key, args = {}) {
  const pattern = MESSAGES[key];
  if (pattern === undefined) {
    console.error(`namecard: no message ${key}`);
    return key;
  }
  return formatPattern(pattern, args);
}

/** Whether the catalogue has message `key` (for labels of codes an older entry may still hold). */
export function has(key) {
  return MESSAGES[key] !== undefined;
}

/** Writes every element marked `data-l10n="key"` in the page's language (static pages). */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-l10n]')) el.textContent = t(el.dataset.l10n);
}

/** Switches the page's language: remembered in a cookie (the server writes pages in it). */
export function chooseLocale(locale) {
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
  location.reload();
}
