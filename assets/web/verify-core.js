// The namecard verifier in the browser: docs/card-format.md v1.1, rule for rule, with no DOM.
//
// Everything a card, keyset or list says is hostile input: this module only computes; callers
// render what it returns as text. Integers that may exceed 2^53 (card times, ids) are BigInts.
// Ed25519 signatures are checked with WebCrypto after the checks WebCrypto does not make (S < L,
// R not of small order; keys were checked canonical and of large order when the keyset loaded).
// The results are the objects of §8; `toJson` writes them with exact integers.

export const SPEC = "1.1";
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-:";
const TEXT_CHARS = ALPHABET + "./";
const MAX_TEXT_LEN = 1200;
const MAX_BODY_LEN = 600;
const MAX_TIME = 253402300799n;
const MAX_NUMBER = 9007199254740991n;
const MAX_LIFETIME = 31n * 86400n;
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;
const CARD_CONTEXT = "namecard/card/v1\0";
const LIST_CONTEXT = "namecard/revocations/v2\0";
const LIST_FORMAT = "namecard-revocations/v2";
const NO_SUCCESSOR = 0xffffffff;
const enc = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// ---------- errors ----------

class DocError extends Error {
  constructor(document, code, detail) {
    super(detail);
    this.document = document;
    this.code = code;
  }
}

/** The §7 output for a refused document. */
export function documentErrorOutput(e) {
  return { spec: SPEC, result: "document_error", document: e.document, error: e.code, detail: e.message };
}

// ---------- strict JSON (§4.1) ----------

/** Parses bytes under §4.1; objects become arrays of [name, value]; integers BigInts. */
export function parseStrictJson(bytes) {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new SyntaxError("the document starts with a byte order mark");
  }
  let text;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new SyntaxError("not UTF-8");
  }
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (what) => {
    throw new SyntaxError(`${what} at character ${i}`);
  };
  const value = (depth) => {
    if (depth > 128) fail("nested too deeply");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const members = [];
      ws();
      if (text[i] === "}") {
        i++;
        return { obj: members };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a member name");
        const name = string();
        if (members.some(([n]) => n === name)) fail(`the member name ${JSON.stringify(name.slice(0, 40))} appears twice`);
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        members.push([name, value(depth + 1)]);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return { obj: members };
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const items = [];
      ws();
      if (text[i] === "]") {
        i++;
        return items;
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return items;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0].length === 0 || m[0] === "-") fail("expected a value");
    if (m[0].startsWith("-") || m[2] || m[3]) fail("every number must be a non-negative integer in plain digits");
    i += m[0].length;
    const n = BigInt(m[1]);
    if (n > U64_MAX) fail("a number over 2^64");
    return n;
  };
  const string = () => {
    i++;
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text[i];
      const code = c.charCodeAt(0);
      if (c === '"') {
        i++;
        return out;
      }
      if (code < 0x20) fail("a control character in a string");
      if (c !== "\\") {
        out += c;
        i++;
        continue;
      }
      const e = text[i + 1];
      const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e in simple) {
        out += simple[e];
        i += 2;
        continue;
      }
      if (e !== "u") fail("a bad escape");
      const hex = (at) => {
        const h = text.slice(at, at + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(h)) fail("a bad \\u escape");
        return parseInt(h, 16);
      };
      const u = hex(i + 2);
      i += 6;
      if (u >= 0xdc00 && u <= 0xdfff) fail("a lone surrogate");
      if (u >= 0xd800 && u <= 0xdbff) {
        if (text[i] !== "\\" || text[i + 1] !== "u") fail("a lone surrogate");
        const low = hex(i + 2);
        if (low < 0xdc00 || low > 0xdfff) fail("a lone surrogate");
        i += 6;
        out += String.fromCharCode(u, low);
        continue;
      }
      out += String.fromCharCode(u);
    }
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail("trailing characters");
  return v;
}

function kindOf(v) {
  if (v === null) return "null";
  if (typeof v === "bigint") return "a number";
  if (typeof v === "string") return "a string";
  if (typeof v === "boolean") return "a boolean";
  if (Array.isArray(v)) return "an array";
  return "an object";
}

/** Takes members out of a parsed object by name; `finish` refuses the rest. */
class Obj {
  constructor(what, v) {
    if (v === null || typeof v !== "object" || !v.obj) throw new SyntaxError(`${what} must be an object, not ${kindOf(v)}`);
    this.what = what;
    this.members = [...v.obj];
  }
  take(name) {
    const i = this.members.findIndex(([n]) => n === name);
    if (i < 0) return undefined;
    return this.members.splice(i, 1)[0][1];
  }
  required(name) {
    const v = this.take(name);
    if (v === undefined) throw new SyntaxError(`${this.what} has no member ${JSON.stringify(name)}`);
    return v;
  }
  string(name) {
    const v = this.required(name);
    if (typeof v !== "string") throw new SyntaxError(`${this.what}.${name} must be a string`);
    return v;
  }
  int(name, min, max) {
    const v = this.required(name);
    if (typeof v !== "bigint") throw new SyntaxError(`${this.what}.${name} must be an integer`);
    if (v < min || v > max) throw new SyntaxError(`${this.what}.${name} is out of range`);
    return v;
  }
  array(name, max) {
    const v = this.required(name);
    if (!Array.isArray(v)) throw new SyntaxError(`${this.what}.${name} must be an array`);
    if (v.length > max) throw new SyntaxError(`${this.what}.${name} has more than ${max} items`);
    return v;
  }
  finish() {
    if (this.members.length) throw new SyntaxError(`${this.what} has the unknown member ${JSON.stringify(this.members[0][0].slice(0, 40))}`);
  }
}

// ---------- encodings ----------

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Canonical unpadded base64url -> bytes, or null. */
export function b64urlDecode(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const out = [];
  let bits = 0;
  let acc = 0;
  for (const c of text) {
    acc = (acc << 6) | B64.indexOf(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  if (acc & ((1 << bits) - 1)) return null; // unused bits must be zero
  return new Uint8Array(out);
}

export function b64urlEncode(bytes) {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += B64[(acc >> bits) & 63];
    }
  }
  if (bits) out += B64[(acc << (6 - bits)) & 63];
  return out;
}

const hexOf = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const bytesEqual = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** §1.2: the body text -> bytes, or null. */
export function decodeText(text) {
  if (text.length % 3 === 1) return null;
  const digit = (c) => ALPHABET.indexOf(c);
  const out = [];
  let i = 0;
  for (; i + 3 <= text.length; i += 3) {
    const [a, b, c] = [digit(text[i]), digit(text[i + 1]), digit(text[i + 2])];
    if (a < 0 || b < 0 || c < 0) return null;
    const v = a * 1681 + b * 41 + c;
    if (v > 65535) return null;
    out.push(v >> 8, v & 0xff);
  }
  if (i < text.length) {
    const [a, b] = [digit(text[i]), digit(text[i + 1])];
    if (a < 0 || b < 0) return null;
    const v = a * 41 + b;
    if (v > 255) return null;
    out.push(v);
  }
  return new Uint8Array(out);
}

/** §1.1: a canonical issuer, or null. */
export function parseIssuer(url) {
  if (typeof url !== "string" || url.length > 64) return null;
  let rest;
  let defaultPort;
  if (url.startsWith("https://")) [rest, defaultPort] = [url.slice(8), "443"];
  else if (url.startsWith("http://")) [rest, defaultPort] = [url.slice(7), "80"];
  else return null;
  const colon = rest.indexOf(":");
  const host = colon < 0 ? rest : rest.slice(0, colon);
  const port = colon < 0 ? null : rest.slice(colon + 1);
  const labelOk = (l) => /^[a-z0-9-]{1,63}$/.test(l) && !l.startsWith("-") && !l.endsWith("-");
  if (!host.split(".").every(labelOk)) return null;
  if (port !== null && !(/^[1-9][0-9]*$/.test(port) && Number(port) <= 65535 && port !== defaultPort)) return null;
  return url;
}

// ---------- Ed25519 arithmetic for the checks WebCrypto does not make ----------

const P = (1n << 255n) - 19n;
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const mod = (a) => ((a % P) + P) % P;
const pow = (b, e) => {
  let r = 1n;
  b = mod(b);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return r;
};
const D = mod(-121665n * pow(121666n, P - 2n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);
const leInt = (bytes) => bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n);

/** The canonical encodings of the eight points of small order (§3). */
export const SMALL_ORDER = [
  "0100000000000000000000000000000000000000000000000000000000000000",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
];

/** Whether 32 bytes are the canonical encoding of a point of large (not small) order (§4.2 e). */
export function isCanonicalLargeOrderPoint(bytes) {
  const y = leInt(bytes) & ((1n << 255n) - 1n);
  const sign = bytes[31] >> 7;
  if (y >= P) return false;
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 === u) {
    // x is a square root
  } else if (vx2 === mod(-u)) {
    x = mod(x * SQRT_M1);
  } else {
    return false;
  }
  if (x === 0n && sign === 1) return false; // -0: not canonical
  return !SMALL_ORDER.includes(hexOf(bytes));
}

// ---------- WebCrypto ----------

const subtle = () => {
  if (!globalThis.crypto || !crypto.subtle) throw new Error("this browser has no WebCrypto (it needs a secure context)");
  return crypto.subtle;
};
const sha256 = async (...parts) => new Uint8Array(await subtle().digest("SHA-256", concat(...parts)));
const hmacSha256 = async (key, msg) => {
  const k = await subtle().importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle().sign("HMAC", k, msg));
};

/** Strict cofactorless Ed25519 (§3) of a keyset key. */
async function verifyStrict(key, message, signature) {
  const r = signature.slice(0, 32);
  const s = leInt(signature.slice(32));
  if (s >= L) return false;
  if (SMALL_ORDER.includes(hexOf(r))) return false;
  if (!key.crypto) {
    try {
      key.crypto = await subtle().importKey("raw", key.x, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      throw new Error(`this browser cannot check Ed25519 signatures (${e.message})`);
    }
  }
  return subtle().verify({ name: "Ed25519" }, key.crypto, signature, message);
}

// ---------- the keyset (§4) ----------

/** Key id of 32 key bytes: the first 8 bytes of its RFC 7638 thumbprint. */
export async function keyId(x) {
  const jwk = `{"crv":"Ed25519","kty":"OKP","x":"${b64urlEncode(x)}"}`;
  return b64urlEncode((await sha256(enc.encode(jwk))).slice(0, 8));
}

/** Loads a keyset in the order of §4.2; throws a DocError. */
export async function loadKeyset(bytes) {
  const bad = (code, detail) => new DocError("keyset", code, detail);
  if (bytes.length > 65536) throw bad("malformed", "the document is over 65536 bytes");
  let top;
  let keys;
  let issuer;
  try {
    top = new Obj("the keyset", parseStrictJson(bytes));
    issuer = top.string("issuer");
    keys = top.array("keys", 64);
    top.finish();
  } catch (e) {
    throw bad("malformed", e.message);
  }
  if (!parseIssuer(issuer)) throw bad("malformed", "issuer is not a canonical issuer");
  const records = [];
  for (const [i, raw] of keys.entries()) {
    const what = `keys[${i}]`;
    let f;
    try {
      const o = new Obj(what, raw);
      f = {
        kty: o.string("kty"), crv: o.string("crv"), alg: o.string("alg"), use: o.string("use"),
        kid: o.string("kid"), x: o.string("x"), status: o.string("status"),
        valid_from: o.int("valid_from", 0n, U64_MAX),
      };
      const r = o.take("retired_at");
      if (r !== undefined && typeof r !== "bigint") throw new SyntaxError(`${what}.retired_at must be an integer`);
      f.retired_at = r;
      o.finish();
    } catch (e) {
      throw bad("malformed", e.message);
    }
    if (f.kty !== "OKP" || f.crv !== "Ed25519" || f.alg !== "EdDSA" || f.use !== "sig") {
      throw bad("unsupported_key", `${what}: only kty OKP, crv Ed25519, alg EdDSA and use sig are read`);
    }
    const kid = b64urlDecode(f.kid);
    const x = b64urlDecode(f.x);
    if (!kid || kid.length !== 8) throw bad("malformed", `${what}.kid is not the base64url of 8 bytes`);
    if (!x || x.length !== 32) throw bad("malformed", `${what}.x is not the base64url of 32 bytes`);
    if (f.status !== "active" && f.status !== "retired") throw bad("malformed", `${what}.status is neither active nor retired`);
    const timesOk =
      f.valid_from <= MAX_TIME &&
      (f.status === "active"
        ? f.retired_at === undefined
        : f.retired_at !== undefined && f.retired_at >= f.valid_from && f.retired_at <= MAX_TIME);
    if (!timesOk) throw bad("malformed", `${what}: bad valid_from or retired_at`);
    if (!isCanonicalLargeOrderPoint(x)) throw bad("bad_key", `${what}.x is not the canonical encoding of a point of large order`);
    if ((await keyId(x)) !== f.kid) throw bad("bad_key", `${what}: kid is not the thumbprint of x`);
    if (records.some((k) => k.kid === f.kid)) throw bad("duplicate_kid", `${what}: kid ${f.kid} is used twice`);
    records.push({ kid: f.kid, x, status: f.status, valid_from: f.valid_from, retired_at: f.retired_at ?? null });
  }
  return { issuer, prefix: issuer.toUpperCase() + "/C/", keys: records };
}

const covers = (key, issuedAt, skew) =>
  issuedAt + skew >= key.valid_from && (key.status !== "retired" || issuedAt <= key.retired_at + skew);

// ---------- the text rules (§2.2) ----------

const isWhiteSpace = (cp) =>
  (cp >= 0x09 && cp <= 0x0d) || cp === 0x20 || cp === 0x85 || cp === 0xa0 || cp === 0x1680 ||
  (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f ||
  cp === 0x205f || cp === 0x3000;
const isDisallowed = (cp) =>
  cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
  (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0xfeff;

/** Whether a text obeys §2.2 with at most `max` characters (an empty text is checked by callers). */
function textOk(s, max) {
  const cps = Array.from(s, (c) => c.codePointAt(0));
  if (cps.length && (isWhiteSpace(cps[0]) || isWhiteSpace(cps[cps.length - 1]))) return false;
  return cps.length <= max && !cps.some(isDisallowed);
}

// ---------- the revocation list (§5) ----------

/** Loads a list in the order of §5.4; throws a DocError. */
export async function loadList(bytes, keyset, skew) {
  const bad = (code, detail) => new DocError("revocation_list", code, detail);
  if (bytes.length > 16777216) throw bad("malformed", "the document is over 16777216 bytes");
  let env;
  try {
    env = new Obj("the document", parseStrictJson(bytes));
  } catch (e) {
    throw bad("malformed", e.message);
  }
  let format;
  try {
    format = env.string("format");
  } catch (e) {
    throw bad("malformed", e.message);
  }
  if (format !== LIST_FORMAT) throw bad("unsupported_format", `format ${JSON.stringify(format.slice(0, 40))} is not ${LIST_FORMAT}`);
  let kidText;
  let payload;
  let signature;
  try {
    kidText = env.string("kid");
    payload = env.string("payload");
    signature = env.string("signature");
    env.finish();
  } catch (e) {
    throw bad("malformed", e.message);
  }
  const kid = b64urlDecode(kidText);
  payload = b64urlDecode(payload);
  signature = b64urlDecode(signature);
  if (!kid || kid.length !== 8) throw bad("malformed", "kid is not the base64url of 8 bytes");
  if (!payload) throw bad("malformed", "payload is not canonical base64url");
  if (!signature || signature.length !== 64) throw bad("malformed", "signature is not the base64url of 64 bytes");
  const key = keyset.keys.find((k) => k.kid === kidText);
  if (!key) throw bad("unknown_signer", `signed by key ${kidText}, which is not in the keyset`);
  if (!(await verifyStrict(key, concat(enc.encode(LIST_CONTEXT), payload), signature))) {
    throw bad("bad_signature", "the signature does not verify");
  }
  let list;
  try {
    list = parsePayload(payload);
  } catch (e) {
    throw bad("malformed", `payload: ${e.message}`);
  }
  if (list.issuer !== keyset.issuer) throw bad("wrong_issuer", `the list is for ${list.issuer}, not ${keyset.issuer}`);
  if (list.compromised_keys.includes(kidText)) throw bad("signer_compromised", `signed by ${kidText}, which the list names compromised`);
  if (!covers(key, list.issued_at, skew)) throw bad("signer_not_valid", `issued outside the validity window of key ${kidText}`);
  list.digest = hexOf(await sha256(payload));
  return list;
}

function parsePayload(payload) {
  const o = new Obj("the payload", parseStrictJson(payload));
  const issuer = o.string("issuer");
  if (!parseIssuer(issuer)) throw new SyntaxError("issuer is not a canonical issuer");
  const number = o.int("number", 1n, MAX_NUMBER);
  const issued_at = o.int("issued_at", 0n, MAX_TIME);
  const next_update = o.int("next_update", 0n, MAX_TIME);
  if (next_update <= issued_at || next_update - issued_at > MAX_LIFETIME) {
    throw new SyntaxError("next_update must be after issued_at by 1 s to 31 days");
  }
  const entries = b64urlDecode(o.string("entries"));
  if (!entries) throw new SyntaxError("entries is not canonical base64url");
  if (entries.length % 32) throw new SyntaxError("entries is not a multiple of 32 bytes");
  const count = entries.length / 32;
  for (let i = 1; i < count; i++) {
    if (compareRid(entries, i - 1, entries.subarray(i * 32, i * 32 + 16)) >= 0) {
      throw new SyntaxError("entries are not in strictly increasing order of revocation id");
    }
  }
  const successors = o.array("successors", 10000).map((v, i) => {
    const s = new Obj(`successors[${i}]`, v);
    const name = s.string("name");
    const title = s.take("title");
    if (title !== undefined && typeof title !== "string") throw new SyntaxError(`successors[${i}].title must be a string`);
    s.finish();
    if (!name || !textOk(name, 64) || (title !== undefined && (!title || !textOk(title, 64)))) {
      throw new SyntaxError(`successors[${i}] breaks the text rules`);
    }
    return title === undefined ? { name } : { name, title };
  });
  const compromised_keys = o.array("compromised_keys", 1000).map((v, i) => {
    const k = typeof v === "string" ? b64urlDecode(v) : null;
    if (!k || k.length !== 8) throw new SyntaxError(`compromised_keys[${i}] is not a key id`);
    return v;
  });
  if (new Set(compromised_keys).size !== compromised_keys.length) throw new SyntaxError("compromised_keys names a key twice");
  o.finish();
  return { issuer, number, issued_at, next_update, entries, count, successors, compromised_keys };
}

/** Compares entry `i`'s revocation id with `rid`. */
function compareRid(entries, i, rid) {
  for (let j = 0; j < 16; j++) {
    const d = entries[i * 32 + j] - rid[j];
    if (d) return d;
  }
  return 0;
}

/** §5.5: what a verifier holding `held` does with `offered`: "replaced" or "same", else throws. */
export function updateList(held, offered) {
  const refuse = (code, detail) => {
    throw new DocError("revocation_list", code, detail);
  };
  if (!held || offered.number > held.number) return "replaced";
  if (offered.number < held.number) refuse("older_list", `list ${offered.number} is older than the held list ${held.number}`);
  if (offered.digest === held.digest) return "same";
  return refuse("conflicting_list", `a different list with the number ${held.number} of the held one`);
}

/** §5.3: undefined when the card is not listed; its record (or null) when it is. */
async function lookup(list, body) {
  const rid = (await sha256(enc.encode("namecard/rid/v1\0"), body)).slice(0, 16);
  let lo = 0;
  let hi = list.count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = compareRid(list.entries, mid, rid);
    if (c === 0) {
      const sealKey = await sha256(enc.encode("namecard/seal-key/v1\0"), body);
      const n = new Uint8Array(8);
      new DataView(n.buffer).setBigUint64(0, list.number);
      const mask = (await hmacSha256(sealKey, concat(enc.encode("namecard/seal/v1\0"), n))).slice(0, 16);
      const record = list.entries.slice(mid * 32 + 16, mid * 32 + 32).map((b, j) => b ^ mask[j]);
      return unseal(list, record);
    }
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return undefined;
}

function unseal(list, r) {
  const view = new DataView(r.buffer);
  const at = view.getBigUint64(1);
  const successor = view.getUint32(9);
  if (at > MAX_TIME || r[13] || r[14] || r[15]) return null;
  let state;
  if (r[0] === 1 && successor === NO_SUCCESSOR) state = "withdrawn";
  else if (r[0] === 2) state = "departed";
  else return null;
  if (successor !== NO_SUCCESSOR && successor >= list.successors.length) return null;
  return { state, at, successor: successor === NO_SUCCESSOR ? null : list.successors[successor] };
}

// ---------- the body (§2) ----------

class Malformed extends Error {}

function parseBody(body) {
  const m = (what) => {
    throw new Malformed(what);
  };
  if (body.length === 0) m("empty card");
  let kind;
  if (body[0] === 1) kind = "member";
  else if (body[0] === 2) {
    if (body.length < 3) m("card too short");
    if (body[2] === 0) m("kind 0 (a member) is written as version 1");
    if (body[2] !== 1) return { unsupported: `card kind ${body[2]} is not supported` };
    kind = "team";
  } else return { unsupported: `card format version ${body[0]} is not supported` };
  if (body.length > MAX_BODY_LEN) m("card too long");
  const header = kind === "team" ? 23 : 22;
  if (body.length < header + 64) m("card too short");
  const unsigned = body.subarray(0, body.length - 64);
  const signature = body.slice(body.length - 64);
  let pos = 1;
  const take = (n) => {
    if (pos + n > unsigned.length) m("truncated field");
    const s = unsigned.subarray(pos, pos + n);
    pos += n;
    return s;
  };
  const flags = take(1)[0];
  if (flags & 0xfe) m("reserved flag bits set");
  if (kind === "team") pos++;
  const kid = b64urlEncode(take(8));
  const cardId = b64urlEncode(take(12));
  const varint = () => {
    let v = 0n;
    for (let i = 0; i < 10; i++) {
      const b = take(1)[0];
      const part = BigInt(b & 0x7f);
      if (i === 9 && part > 1n) m("integer over 64 bits");
      v |= part << BigInt(7 * i);
      if (!(b & 0x80)) {
        if (i > 0 && b === 0) m("integer not in its shortest form");
        return v;
      }
    }
    return m("integer over 64 bits");
  };
  const str = () => {
    const len = varint();
    if (len > BigInt(unsigned.length)) m("truncated field");
    try {
      return utf8.decode(take(Number(len)));
    } catch {
      return m("text is not UTF-8");
    }
  };
  const issuedAt = varint();
  const nbfDelta = varint();
  const lifetime = varint();
  const orgId = varint();
  const subjectId = varint();
  const orgName = str();
  const name = str();
  const title = str();
  const channel = str();
  if (pos !== unsigned.length) m("trailing bytes after the last field");
  if (issuedAt > I64_MAX || nbfDelta > I64_MAX || lifetime > I64_MAX) m("time out of range");
  const notBefore = issuedAt + nbfDelta;
  const expiresAt = notBefore + lifetime;
  if (notBefore > I64_MAX || expiresAt > I64_MAX) m("time out of range");
  if (!name) m("name must not be empty");
  if (!orgName) m("org_name must not be empty");
  if (!textOk(name, 64) || !textOk(orgName, 64) || !textOk(title, 64)) m("a text breaks the rules");
  if (channel.length > 30 || !/^[A-Za-z0-9._-]*$/.test(channel)) m("bad channel");
  if (lifetime < 1n) m("expires_at not after not_before");
  const card = {
    version: body[0],
    kind,
    one_time: (flags & 1) === 1,
    kid,
    card_id: cardId,
    issued_at: issuedAt,
    not_before: notBefore,
    expires_at: expiresAt,
    org_id: orgId,
    org_name: orgName,
  };
  if (kind === "member") Object.assign(card, { member_id: subjectId, member_name: name });
  else Object.assign(card, { team_id: subjectId, team_name: name });
  Object.assign(card, { title: title || null, channel: channel || null });
  return { card, unsigned, signature };
}

// ---------- verification (§6) ----------

function output(result, reason, detail, extra = {}) {
  return { spec: SPEC, result, reason, detail, card: null, key: null, list: null, revocation: null, ...extra };
}

/**
 * Verifies a card text against a loaded keyset and (optionally) a loaded list, at `now` with
 * `skew` (BigInt seconds); resolves to the §8 output object.
 */
export async function verifyCard(text, keyset, list, { now, skew }) {
  const invalid = (reason, detail, extra) => output("invalid", reason, detail, extra);
  const bytes = enc.encode(text);
  if (bytes.length === 0 || bytes.length > MAX_TEXT_LEN) return invalid("malformed", `a card text is 1 to ${MAX_TEXT_LEN} bytes`);
  if (![...text].every((c) => TEXT_CHARS.includes(c))) return invalid("malformed", "a character outside 0-9 A-Z $ * + - . / :");
  const scheme = text.indexOf("://");
  const marker = scheme < 0 ? -1 : text.indexOf("/C/", scheme + 3);
  if (marker < 0) return invalid("malformed", 'not a namecard: no "://" followed by "/C/"');
  if (text.slice(0, marker + 3) !== keyset.prefix) return invalid("wrong_issuer", `card is not from ${keyset.issuer}`);
  const body = decodeText(text.slice(marker + 3));
  if (!body) return invalid("malformed", "card body is not in the card alphabet");
  let parsed;
  try {
    parsed = parseBody(body);
  } catch (e) {
    if (e instanceof Malformed) return invalid("malformed", e.message);
    throw e;
  }
  if (parsed.unsupported) return invalid("unsupported_version", parsed.unsupported);
  const card = parsed.card;
  if (list && list.compromised_keys.includes(card.kid)) return invalid("key_compromised", `key ${card.kid} is listed as compromised`);
  const key = keyset.keys.find((k) => k.kid === card.kid);
  if (!key) return invalid("unknown_key", `key ${card.kid} is not in the keyset of ${keyset.issuer}`);
  const message = concat(enc.encode(CARD_CONTEXT), new Uint8Array([keyset.issuer.length]), enc.encode(keyset.issuer), parsed.unsigned);
  if (!(await verifyStrict(key, message, parsed.signature))) return invalid("bad_signature", "signature does not verify");
  if (!covers(key, card.issued_at, skew)) return invalid("key_not_valid", `card was issued outside the validity window of key ${card.kid}`);
  if (now + skew < card.not_before) return invalid("not_yet_valid", `card is valid from ${card.not_before}`);
  if (now - skew >= card.expires_at) return invalid("expired", `card expired at ${card.expires_at}`);
  const facts = {
    card,
    key: { kid: key.kid, status: key.status },
    list: list
      ? { number: list.number, issued_at: list.issued_at, next_update: list.next_update, stale: now - skew >= list.next_update }
      : null,
  };
  if (!list) return output("valid", null, "valid", facts);
  const revocation = await lookup(list, body);
  if (revocation !== undefined) return invalid("revoked", `revoked in list ${list.number}`, { ...facts, revocation });
  if (facts.list.stale) {
    return output("stale", null, `signature valid, but revocation list ${list.number} was due at ${list.next_update}: status unknown`, facts);
  }
  return output("valid", null, "valid", facts);
}

/** JSON with exact integers (BigInts written as digits). */
export function toJson(v) {
  if (typeof v === "bigint") return v.toString();
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(toJson).join(",")}]`;
  return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`).join(",")}}`;
}

/** Runs a vector-style check of a whole document set, for tests and for the page's self-test. */
export async function loadKeysetOrError(bytes) {
  try {
    return { keyset: await loadKeyset(bytes) };
  } catch (e) {
    if (e instanceof DocError) return { error: documentErrorOutput(e) };
    throw e;
  }
}

export async function loadListOrError(bytes, keyset, skew) {
  try {
    return { list: await loadList(bytes, keyset, skew) };
  } catch (e) {
    if (e instanceof DocError) return { error: documentErrorOutput(e) };
    throw e;
  }
}

export function updateListOrError(held, offered) {
  try {
    return { result: updateList(held, offered) };
  } catch (e) {
    if (e instanceof DocError) return { error: documentErrorOutput(e) };
    throw e;
  }
}
