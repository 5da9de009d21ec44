// Sign-in through the firm's OpenID Connect provider (Entra ID, Google Workspace, Keycloak, ...):
// authorization code flow with PKCE (openid-client). State, nonce and PKCE verifier wait in
// dav.oidc_flow (the state only as its SHA-256) for at most 10 minutes, so any instance can
// receive the employee back; the state also sits in a cookie, so an answer is accepted only in the
// browser that started the sign-in. The employee is the active one whose e-mail address equals the
// configured claim (OIDC_EMAIL_CLAIM), case-insensitively; without one nothing is created.
import express from 'express';
import * as oidc from 'openid-client';
import { SIGN_IN_TEXTS, type SignInTextKey } from '../../i18n/sign-in.js';
import { translate } from '../../i18n/texts.js';
import { activeEmployeeByEmail } from '../../storage/postgres/brokerstar/portal-employees.js';
import { escapeHtml, type SignInDeps } from '../contract.js';
import { clearCookie, cookiesOf, randomToken, sameSecret, setCookie, sha256, TOKEN_PATTERN } from '../session.js';
import { TimeoutError, withTimeout } from './timeout.js';

/** How long a sign-in at the provider may take. */
export const FLOW_SECONDS = 10 * 60;
/** Seconds openid-client waits for each request to the provider; ours is a little longer around it. */
const PROVIDER_TIMEOUT_SECONDS = 10;
const OUR_TIMEOUT_MS = (PROVIDER_TIMEOUT_SECONDS + 5) * 1000;
const FLOW_COOKIE = 'portal_oidc';
const SCOPE = 'openid email profile';

/** Plain http only for a provider on this very machine (tests, a local Keycloak); else https only. */
function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The provider could not be reached or did not answer in time (a 502/503, not the employee's fault). */
function isUnreachable(err: unknown): boolean {
  if (err instanceof TimeoutError || err instanceof TypeError) return true;
  if (err instanceof oidc.ClientError) {
    return err.code === 'OAUTH_TIMEOUT' || err.code === 'OAUTH_ABORT' || err.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || err.cause instanceof TypeError;
  }
  return err instanceof oidc.ResponseBodyError && err.status >= 500;
}

export function oidcSignInRoutes(deps: SignInDeps): express.Router | undefined {
  const { config } = deps;
  if (!config.oidcIssuer || !config.oidcClientId) return undefined;
  const issuer = new URL(config.oidcIssuer);
  const clientId = config.oidcClientId;
  const clientSecret = config.oidcClientSecret;
  const router = express.Router();
  const t = (req: express.Request, key: SignInTextKey, params?: Record<string, string>) => translate(SIGN_IN_TEXTS, deps.languageOf(req), key, params);

  // Discovered once; a failed discovery is tried again on the next sign-in.
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = (): Promise<oidc.Configuration> => {
    discovered ??= withTimeout(
      oidc.discovery(issuer, clientId, clientSecret ? { client_secret: clientSecret } : undefined, clientSecret ? oidc.ClientSecretPost(clientSecret) : oidc.None(), {
        timeout: PROVIDER_TIMEOUT_SECONDS,
        execute: issuer.protocol === 'http:' && isLoopback(issuer) ? [oidc.allowInsecureRequests] : [],
      }),
      OUR_TIMEOUT_MS,
      'OpenID provider discovery',
    );
    const pending = discovered;
    pending.catch(() => {
      if (discovered === pending) discovered = undefined;
    });
    return pending;
  };

  const page = (req: express.Request, res: express.Response, status: number, titleKey: SignInTextKey, body: string, again = true) => {
    const restart = again ? `\n<p><a href="${escapeHtml(`${deps.portalUrl(req)}/sign-in/oidc`)}">${escapeHtml(t(req, 'startAgain'))}</a></p>` : '';
    deps.sendPage(req, res, { status, title: t(req, titleKey), body: `<h1>${escapeHtml(t(req, titleKey))}</h1>\n<p>${escapeHtml(body)}</p>${restart}` });
  };
  const unavailable = (req: express.Request, res: express.Response, status: 502 | 503, err: unknown) => {
    deps.log.warn({ issuer: issuer.href, error: err instanceof Error ? err.message : String(err) }, 'OpenID provider unavailable');
    res.setHeader('Retry-After', '60');
    page(req, res, status, 'oidcUnavailableTitle', t(req, 'oidcUnavailableBody'));
  };
  const redirectUri = (req: express.Request) => `${deps.portalUrl(req)}/sign-in/oidc/callback`;

  // Started by a link (GET) or by the start page's button (POST, with its CSRF token).
  const start = async (req: express.Request, res: express.Response) => {
    let cfg: oidc.Configuration;
    try {
      cfg = await configuration();
    } catch (err) {
      unavailable(req, res, 503, err);
      return;
    }
    const state = randomToken();
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    const challenge = await oidc.calculatePKCECodeChallenge(verifier);
    await deps.pool.query(`DELETE FROM dav.oidc_flow WHERE created_at < now() - make_interval(secs => $1)`, [FLOW_SECONDS]);
    await deps.pool.query(`INSERT INTO dav.oidc_flow (state_hash, nonce, code_verifier) VALUES ($1, $2, $3)`, [sha256(state), nonce, verifier]);
    setCookie(req, res, config, FLOW_COOKIE, state, FLOW_SECONDS);
    const target = oidc.buildAuthorizationUrl(cfg, {
      redirect_uri: redirectUri(req),
      scope: SCOPE,
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, target.href);
  };
  router.get('/sign-in/oidc', start);
  router.post('/sign-in/oidc', express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 20 }), deps.verifyCsrf, start);

  router.get('/sign-in/oidc/callback', async (req, res) => {
    // The code and state are one-time secrets: keep them out of the request log.
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    if (query) req.originalUrl = `${req.originalUrl.slice(0, req.originalUrl.indexOf('?'))}?[redacted]`;
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');

    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const cookie = cookiesOf(req).get(FLOW_COOKIE) ?? '';
    clearCookie(req, res, config, FLOW_COOKIE);
    if (!TOKEN_PATTERN.test(state) || !cookie || !sameSecret(state, cookie)) {
      page(req, res, 400, 'oidcStateTitle', t(req, 'oidcStateBody'));
      return;
    }
    const { rows } = await deps.pool.query<{ nonce: string; code_verifier: string; fresh: boolean }>(
      `DELETE FROM dav.oidc_flow WHERE state_hash = $1
        RETURNING nonce, code_verifier, created_at > now() - make_interval(secs => $2) AS fresh`,
      [sha256(state), FLOW_SECONDS],
    );
    const flow = rows[0];
    if (!flow?.fresh) {
      page(req, res, 400, 'oidcStateTitle', t(req, 'oidcStateBody'));
      return;
    }

    let cfg: oidc.Configuration;
    try {
      cfg = await configuration();
    } catch (err) {
      unavailable(req, res, 503, err);
      return;
    }
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await withTimeout(
        oidc.authorizationCodeGrant(cfg, new URL(`${redirectUri(req)}${query}`), {
          pkceCodeVerifier: flow.code_verifier,
          expectedState: state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        }),
        OUR_TIMEOUT_MS,
        'OpenID token request',
      );
      claims = tokens.claims();
    } catch (err) {
      if (isUnreachable(err)) {
        unavailable(req, res, 502, err);
      } else if (err instanceof oidc.AuthorizationResponseError) {
        const code = /^[a-z_]{1,64}$/.test(err.error) ? err.error : 'error';
        page(req, res, 403, 'oidcStateTitle', t(req, 'oidcDeniedBody', { error: code }));
      } else {
        deps.log.warn(
          { issuer: issuer.href, error: err instanceof Error ? err.message : String(err), code: (err as { code?: unknown }).code },
          'OpenID sign-in answer refused',
        );
        page(req, res, 400, 'oidcStateTitle', t(req, 'oidcRejectedBody'));
      }
      return;
    }

    const claimName = config.oidcEmailClaim;
    const address = claims?.[claimName];
    if (typeof address !== 'string' || !address.trim()) {
      page(req, res, 403, 'oidcNoEmployeeTitle', t(req, 'oidcNoClaimBody', { claim: claimName }), false);
      return;
    }
    const employee = await activeEmployeeByEmail(deps.pool, address);
    if (!employee) {
      page(req, res, 403, 'oidcNoEmployeeTitle', t(req, 'oidcNoEmployeeBody', { address: address.trim().slice(0, 320) }), false);
      return;
    }
    await deps.signIn(req, res, employee, 'oidc');
  });

  return router;
}
