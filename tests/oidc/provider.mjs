// A real OpenID provider for namecard's single sign-on tests: the certified `oidc-provider`
// package on a loopback port, with one confidential client per token endpoint authentication
// method, a few accounts, and a minimal login form that a person (or Chromium) fills in.
//
//   node tests/oidc/provider.mjs
//
// Environment: NAMECARD_OIDC_PROVIDER_DIR (where `npm install oidc-provider` put node_modules),
// PORT (0 or unset: any free port), REDIRECT_URIS (comma-separated, the namecard callbacks).
// Prints `listening http://127.0.0.1:<port>` once it serves.
//
// Clients: `namecard` (client_secret_basic) and `namecard-post` (client_secret_post), both with
// the secret `namecard-test-secret`. Accounts (type the login on the form): ada, bob, eve,
// mallory (an e-mail it does not vouch for). The form's "Cancel" answers `access_denied`.

import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';

const dir = process.env.NAMECARD_OIDC_PROVIDER_DIR;
if (!dir) {
  console.error('NAMECARD_OIDC_PROVIDER_DIR is not set');
  process.exit(2);
}
const require = createRequire(path.join(dir, 'package.json'));
const { default: Provider } = await import(require.resolve('oidc-provider'));

const ACCOUNTS = {
  ada: { email: 'Ada@Acme.example', email_verified: true, name: 'Ada Lovelace', preferred_username: 'ada', employee_id: 'E-1' },
  bob: { email: 'bob@acme.example', email_verified: true, name: 'Bob Li', preferred_username: 'bob', employee_id: 'E-2' },
  eve: { email: 'eve@elsewhere.example', email_verified: true, name: 'Eve', preferred_username: 'eve', employee_id: 'X-9' },
  mallory: { email: 'ada@acme.example', email_verified: false, name: 'Mallory', preferred_username: 'mallory', employee_id: 'M-1' },
};

const SECRET = 'namecard-test-secret';
const redirectUris = (process.env.REDIRECT_URIS || '').split(',').filter(Boolean);

const server = http.createServer();
await new Promise((resolve) => server.listen(Number(process.env.PORT || 0), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    { client_id: 'namecard', client_secret: SECRET, redirect_uris: redirectUris, token_endpoint_auth_method: 'client_secret_basic' },
    { client_id: 'namecard-post', client_secret: SECRET, redirect_uris: redirectUris, token_endpoint_auth_method: 'client_secret_post' },
  ],
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'employee_id'],
  },
  // The claims of the scopes asked for go into the ID token (namecard reads no userinfo).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // A first-party client: consent is given with the login.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  cookies: { keys: ['namecard-test-cookie-key'] },
  // AUTH_METHODS=client_secret_post makes the token endpoint advertise (and take) only that.
  clientAuthMethods: (process.env.AUTH_METHODS || 'client_secret_basic,client_secret_post').split(','),
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res) {
  const [, , uid, action] = req.url.split('?')[0].split('/');
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (req.method === 'GET') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html><head><title>Test IdP sign-in</title></head><body>
<h1>Sign in to the test IdP</h1>
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Login</label> <input id="login" name="login" autofocus>
<button id="submit" type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button id="cancel" type="submit">Cancel</button></form>
</body></html>`);
      return;
    }
    const form = await readForm(req);
    if (action === 'abort') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user cancelled the sign-in' }, { mergeWithLastSubmission: false });
      return;
    }
    const login = form.get('login') || '';
    if (!ACCOUNTS[login]) {
      res.statusCode = 303;
      res.setHeader('Location', `/interaction/${uid}`);
      res.end();
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  } catch (e) {
    res.statusCode = 400;
    res.setHeader('Content-Type', 'text/plain');
    res.end(`interaction failed: ${e.message}`);
  }
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res);
  } else {
    callback(req, res);
  }
});
console.log(`listening ${issuer}`);
