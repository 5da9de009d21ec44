// Sign-in by e-mail link: the employee types his username or e-mail address, the server mails a
// one-time link (valid 15 minutes) to the address BrokerStar holds. The answer is the same whether
// or not someone by that name exists; requests are counted per typed address, per employee and per
// client address. The link opens a confirmation page (mail scanners open links too), and only its
// button (POST) uses the link up.
import express from 'express';
import { SIGN_IN_TEXTS, type SignInTextKey } from '../../i18n/sign-in.js';
import { translate } from '../../i18n/texts.js';
import { activeEmployeeById, activeEmployeeByLogin } from '../../storage/postgres/brokerstar/portal-employees.js';
import { escapeHtml, type PortalEmployee, type SignInDeps } from '../contract.js';
import { createSignInLink, peekSignInLink, useSignInLink } from '../sign-in-links.js';
import { createMailer, type Mailer } from './mailer.js';

/** How long a mailed link is valid. */
export const EMAIL_LINK_SECONDS = 15 * 60;
/** Requests per typed address and per employee: 5 per 15 minutes. */
export const PER_ADDRESS_LIMIT = { limit: 5, windowSeconds: 15 * 60 } as const;
/** Requests per client address: 30 a minute. */
export const PER_CLIENT_LIMIT = { limit: 30, windowSeconds: 60 } as const;
const MAX_LOGIN_LENGTH = 320;

/** The link's path below the portal; its token never reaches the request log. */
const LINK_PATH = '/sign-in/email/:token';

export function emailSignInRoutes(deps: SignInDeps): express.Router {
  const router = express.Router();
  const mailer = createMailer(deps.config, deps.log);
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 20 });
  const t = (req: express.Request, key: SignInTextKey, params?: Record<string, string>) => translate(SIGN_IN_TEXTS, deps.languageOf(req), key, params);

  /** The way back to the portal's start page (the sign-in choices). */
  const backLink = (req: express.Request) => `\n<p><a href="/setup/">${escapeHtml(t(req, 'backToStart'))}</a></p>`;

  const sendForm = (req: express.Request, res: express.Response, status: number, problem?: string, typed = '') => {
    const error = problem ? `<p class="error" role="alert" id="login-error">${escapeHtml(problem)}</p>` : '';
    deps.sendPage(req, res, {
      status,
      title: t(req, 'emailTitle'),
      body: `<h1>${escapeHtml(t(req, 'emailTitle'))}</h1>
<p>${escapeHtml(t(req, 'emailIntro'))}</p>
${error}<form method="post">
${deps.csrfField(req, res)}
<label for="login">${escapeHtml(t(req, 'emailLabel'))}</label>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="${MAX_LOGIN_LENGTH}" value="${escapeHtml(typed)}"${problem ? ' aria-describedby="login-error" aria-invalid="true"' : ''}>
<button type="submit">${escapeHtml(t(req, 'emailSubmit'))}</button>
</form>${backLink(req)}`,
    });
  };

  const sendRateLimited = (req: express.Request, res: express.Response, retryAfter: number) => {
    res.setHeader('Retry-After', String(retryAfter));
    deps.sendPage(req, res, {
      status: 429,
      title: t(req, 'rateLimitedTitle'),
      body: `<h1>${escapeHtml(t(req, 'rateLimitedTitle'))}</h1>\n<p>${escapeHtml(t(req, 'rateLimitedBody'))}</p>${backLink(req)}`,
    });
  };

  const sendLinkInvalid = (req: express.Request, res: express.Response, status: number) => {
    deps.sendPage(req, res, {
      status,
      title: t(req, 'linkInvalidTitle'),
      body: `<h1>${escapeHtml(t(req, 'linkInvalidTitle'))}</h1>
<p>${escapeHtml(t(req, 'linkInvalidBody'))}</p>
<p><a href="${escapeHtml(`${deps.portalUrl(req)}/sign-in/email`)}">${escapeHtml(t(req, 'requestNewLink'))}</a></p>`,
    });
  };

  router.get('/sign-in/email', (req, res) => sendForm(req, res, 200));

  router.post('/sign-in/email', form, deps.verifyCsrf, async (req, res) => {
    const raw: unknown = (req.body as Record<string, unknown> | undefined)?.login;
    const typed = typeof raw === 'string' ? raw.trim() : '';
    if (!typed || typed.length > MAX_LOGIN_LENGTH) {
      sendForm(req, res, 400, t(req, 'emailMissing'), typed.slice(0, MAX_LOGIN_LENGTH));
      return;
    }
    // Counted whether or not the name exists, so a 429 says nothing about who exists.
    if (!(await deps.withinRate(`ip:${req.ip ?? 'unknown'}`, PER_CLIENT_LIMIT.limit, PER_CLIENT_LIMIT.windowSeconds))) {
      sendRateLimited(req, res, PER_CLIENT_LIMIT.windowSeconds);
      return;
    }
    if (!(await deps.withinRate(`address:${typed.toLowerCase()}`, PER_ADDRESS_LIMIT.limit, PER_ADDRESS_LIMIT.windowSeconds))) {
      sendRateLimited(req, res, PER_ADDRESS_LIMIT.windowSeconds);
      return;
    }
    const employee = await activeEmployeeByLogin(deps.pool, typed);
    // The per-employee limit (username and address typed in turns) is silent: a 429 only for
    // names that exist would tell who does.
    if (employee?.email && (await deps.withinRate(`user:${employee.id}`, PER_ADDRESS_LIMIT.limit, PER_ADDRESS_LIMIT.windowSeconds))) {
      const { token } = await createSignInLink(deps.pool, employee.id, 'email', EMAIL_LINK_SECONDS);
      const link = `${deps.portalUrl(req)}/sign-in/email/${token}`;
      // Sent after the answer, so how long the mail server takes tells nothing either.
      void sendLinkMail(mailer, deps, employee, link).catch((err: unknown) => {
        deps.log.warn({ employee: employee.username, error: err instanceof Error ? err.message : String(err) }, 'sign-in mail could not be sent');
      });
    }
    const demo = mailer.demoFolder ? `\n<p class="note">${escapeHtml(t(req, 'emailDemoNote', { folder: mailer.demoFolder }))}</p>` : '';
    deps.sendPage(req, res, {
      status: 200,
      title: t(req, 'emailSentTitle'),
      body: `<h1>${escapeHtml(t(req, 'emailSentTitle'))}</h1>\n<p>${escapeHtml(t(req, 'emailSentBody'))}</p>${demo}${backLink(req)}`,
    });
  });

  router.get(LINK_PATH, redactToken, async (req, res) => {
    const token = String(req.params.token);
    keepTokenPrivate(res);
    const state = await peekSignInLink(deps.pool, token, 'email');
    if (!state.ok) {
      sendLinkInvalid(req, res, state.problem === 'unknown' ? 404 : 410);
      return;
    }
    deps.sendPage(req, res, {
      status: 200,
      title: t(req, 'linkConfirmTitle'),
      body: `<h1>${escapeHtml(t(req, 'linkConfirmTitle'))}</h1>
<p>${escapeHtml(t(req, 'linkConfirmBody'))}</p>
<form method="post">
${deps.csrfField(req, res)}
<button type="submit">${escapeHtml(t(req, 'linkConfirmSubmit'))}</button>
</form>`,
    });
  });

  router.post(LINK_PATH, redactToken, form, deps.verifyCsrf, async (req, res) => {
    const token = String(req.params.token);
    keepTokenPrivate(res);
    const state = await useSignInLink(deps.pool, token, 'email');
    if (!state.ok) {
      sendLinkInvalid(req, res, state.problem === 'unknown' ? 404 : 410);
      return;
    }
    const employee = await activeEmployeeById(deps.pool, state.employeeId);
    if (!employee) {
      deps.sendPage(req, res, {
        status: 403,
        title: t(req, 'inactiveTitle'),
        body: `<h1>${escapeHtml(t(req, 'inactiveTitle'))}</h1>\n<p>${escapeHtml(t(req, 'inactiveBody'))}</p>`,
      });
      return;
    }
    await deps.signIn(req, res, employee, 'email');
  });

  return router;
}

async function sendLinkMail(mailer: Mailer, deps: SignInDeps, employee: PortalEmployee, link: string): Promise<void> {
  const lang = employee.language;
  const firm = deps.config.firmName;
  await mailer.send({
    to: employee.email,
    subject: translate(SIGN_IN_TEXTS, lang, 'mailSubject', { firm }),
    text: translate(SIGN_IN_TEXTS, lang, 'mailBody', { firm, link, name: `${employee.firstName} ${employee.lastName}`.trim() }),
  });
}

/** The request log writes the URL when the response is finished: without the link's token. */
function redactToken(req: express.Request, _res: express.Response, next: express.NextFunction): void {
  req.originalUrl = req.originalUrl.replace(/(\/sign-in\/email\/)[^/?#]*/, '$1[token]');
  next();
}

/** Neither a cache nor the next site (Referer) learns the link. */
function keepTokenPrivate(res: express.Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
}
