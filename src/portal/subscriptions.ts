// "Subscribe to calendars" in the setup portal (/setup/subscriptions, docs/setup-portal.md): the
// signed-in employee lists his private subscription links, makes one for one of his calendars
// (the URL is shown once: only its hash is stored) and revokes them. Mounted by router.ts only when
// SUBSCRIPTION_LINKS is on; every form carries the CSRF token like the others.
import express from 'express';
import type pg from 'pg';
import { isSubscribable, subscriptionUrl } from '../http/subscription-links.js';
import { SUBSCRIPTION_TEXTS, type SubscriptionTextKey } from '../i18n/subscriptions.js';
import { translate, type Language } from '../i18n/texts.js';
import { createLink, isLinkLabel, linksOf, revokeLinkById, type SubscriptionLink } from '../storage/postgres/subscription-links.js';
import type { Collection, DavStore } from '../storage/types.js';
import type { PortalAudit } from './audit.js';
import { escapeHtml, type PortalEmployee, type PortalPage } from './contract.js';
import { formatDate, labelledChoiceForm } from './layout.js';

export const SUBSCRIPTIONS_PATH = '/setup/subscriptions';

/** A text of the page in `lang`, HTML-escaped. */
function s(lang: Language, key: SubscriptionTextKey, params?: Readonly<Record<string, string>>): string {
  return escapeHtml(translate(SUBSCRIPTION_TEXTS, lang, key, params));
}

/** The link to this page, shown on "My devices". */
export function subscriptionsStartLink(lang: Language): string {
  return `<nav aria-label="${s(lang, 'navLabel')}"><p><a href="${SUBSCRIPTIONS_PATH}">${s(lang, 'navLink')}</a></p></nav>`;
}

export interface SubscriptionRoutesDeps {
  readonly pool: pg.Pool;
  readonly store: DavStore;
  readonly audit: PortalAudit;
  sendPage(req: express.Request, res: express.Response, page: PortalPage): void;
  languageOf(req: express.Request): Language;
  csrfField(req: express.Request, res: express.Response): string;
  readonly verifyCsrf: express.RequestHandler;
  /** The signed-in employee, or undefined after a "not signed in" page was sent. */
  requireEmployee(req: express.Request, res: express.Response): PortalEmployee | undefined;
  /** PUBLIC_URL, or the request's own address. */
  baseUrl(req: express.Request): string;
}

interface PageState {
  readonly status?: number;
  readonly notice?: string;
  readonly error?: string;
  readonly label?: string;
  readonly calendar?: string;
}

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

function renderList(lang: Language, links: readonly SubscriptionLink[], calendars: readonly Collection[], csrf: string): string {
  if (links.length === 0) return `<p><em>${s(lang, 'noLinks')}</em></p>`;
  const names = new Map(calendars.map((c) => [c.slug, c.displayName]));
  const head = (['colLabel', 'colCalendar', 'colCreated', 'colLastUsed', 'colAction'] as const).map((k) => `<th scope="col">${s(lang, k)}</th>`).join('');
  const rows = links.map((l) => {
    const cell = (k: SubscriptionTextKey, v: string) => `<td data-label="${s(lang, k)}">${v}</td>`;
    const calendar = names.get(l.calendar);
    return `<tr>
${cell('colLabel', escapeHtml(l.label))}
${cell('colCalendar', calendar !== undefined ? escapeHtml(calendar) : `<em>${s(lang, 'unknownCalendar')}</em>`)}
${cell('colCreated', escapeHtml(formatDate(lang, l.createdAt)))}
${cell('colLastUsed', l.lastUsedAt ? escapeHtml(formatDate(lang, l.lastUsedAt)) : s(lang, 'never'))}
<td><form method="post" action="${SUBSCRIPTIONS_PATH}/${encodeURIComponent(l.id)}/revoke">${csrf}<button type="submit" class="secondary" aria-label="${s(lang, 'revokeNamed', { label: l.label })}">${s(lang, 'revoke')}</button></form></td>
</tr>`;
  });
  return `<table class="devices"><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function renderForm(lang: Language, calendars: readonly Collection[], csrf: string, o: PageState): string {
  const parts = [`<h2 id="create">${s(lang, 'createHeading')}</h2>`];
  if (o.error) parts.push(`<p class="notice err" role="alert" id="create-error">${o.error}</p>`);
  if (calendars.length === 0) {
    parts.push(`<p><em>${s(lang, 'noCalendars')}</em></p>`);
    return parts.join('\n');
  }
  const options = calendars
    .map((c) => `<option value="${escapeHtml(c.slug)}"${o.calendar === c.slug ? ' selected' : ''}>${escapeHtml(c.displayName)}</option>`)
    .join('');
  parts.push(
    labelledChoiceForm({
      action: SUBSCRIPTIONS_PATH, csrf, choice: 'calendar', choiceLabel: s(lang, 'calendarLabel'), options,
      labelLabel: s(lang, 'labelLabel'), labelHint: s(lang, 'labelHint'), label: o.label,
      errorId: o.error ? 'create-error' : undefined, button: s(lang, 'createButton'),
    }),
  );
  return parts.join('\n');
}

export function subscriptionRoutes(deps: SubscriptionRoutesDeps): express.Router {
  const { pool, store } = deps;
  const router = express.Router();

  /** The employee's calendars a link may serve (his own appointments, the colleagues' he sees). */
  const calendarsOf = async (employee: PortalEmployee): Promise<Collection[]> => {
    const principal = await store.principalById(employee.id);
    return principal ? (await store.collections(principal)).filter(isSubscribable) : [];
  };

  const page = async (req: express.Request, res: express.Response, employee: PortalEmployee, o: PageState = {}): Promise<void> => {
    const lang = deps.languageOf(req);
    const csrf = deps.csrfField(req, res);
    const [links, calendars] = await Promise.all([linksOf(pool, employee.id), calendarsOf(employee)]);
    const parts = [`<h1>${s(lang, 'title')}</h1>`];
    if (o.notice) parts.push(`<p class="notice ok" role="status">${o.notice}</p>`);
    parts.push(`<p>${s(lang, 'intro')}</p>`, `<p class="notice warn">${s(lang, 'warning')}</p>`);
    parts.push(`<h2>${s(lang, 'linksHeading')}</h2>`, renderList(lang, links, calendars, csrf));
    parts.push(renderForm(lang, calendars, csrf, o));
    parts.push(`<p><a href="/setup/">${s(lang, 'done')}</a></p>`);
    deps.sendPage(req, res, { status: o.status ?? 200, title: translate(SUBSCRIPTION_TEXTS, lang, 'title'), body: parts.join('\n') });
  };

  router.get('/subscriptions', async (req, res) => {
    const employee = deps.requireEmployee(req, res);
    if (employee) await page(req, res, employee);
  });

  router.post('/subscriptions', form, deps.verifyCsrf, async (req, res) => {
    const employee = deps.requireEmployee(req, res);
    if (!employee) return;
    const lang = deps.languageOf(req);
    const body = req.body as Record<string, unknown>;
    const label = typeof body.label === 'string' ? body.label.trim() : '';
    const slug = typeof body.calendar === 'string' ? body.calendar : '';
    const keep = { label, calendar: slug };
    const calendar = (await calendarsOf(employee)).find((c) => c.slug === slug);
    if (!calendar) return page(req, res, employee, { status: 400, error: s(lang, 'calendarInvalid'), ...keep });
    if (!isLinkLabel(label)) return page(req, res, employee, { status: 400, error: s(lang, 'labelInvalid'), ...keep });
    const created = await createLink(pool, employee.id, calendar.slug, label);
    if (!created) return page(req, res, employee, { status: 409, error: s(lang, 'labelTaken', { label }), ...keep });
    await deps.audit.record(req, {
      employeeId: employee.id,
      username: employee.username,
      action: 'ADD-SUBSCRIPTION',
      outcome: 'accepted',
      status: 200,
      reason: `subscription link ${created.link.id} added: "${label}" (calendar ${calendar.slug})`,
    });
    const url = subscriptionUrl(deps.baseUrl(req), created.token);
    deps.sendPage(req, res, {
      title: translate(SUBSCRIPTION_TEXTS, lang, 'createdTitle', { label }),
      body: `<h1>${s(lang, 'createdTitle', { label })}</h1>
<p class="notice warn" role="status">${s(lang, 'shownOnce')}</p>
<dl class="fields"><dt>${s(lang, 'calendarLabel')}</dt><dd>${escapeHtml(calendar.displayName)}</dd>
<dt>${s(lang, 'linkField')}</dt><dd><span class="secret" data-copy>${escapeHtml(url)}</span></dd></dl>
<p>${s(lang, 'howToUse')}</p>
<p>${s(lang, 'warning')}</p>
<p><a class="button" href="${SUBSCRIPTIONS_PATH}">${s(lang, 'done')}</a></p>`,
    });
  });

  router.post('/subscriptions/:id/revoke', form, deps.verifyCsrf, async (req, res) => {
    const employee = deps.requireEmployee(req, res);
    if (!employee) return;
    const lang = deps.languageOf(req);
    const id = String(req.params.id);
    const label = await revokeLinkById(pool, employee.id, id);
    if (label === undefined) {
      deps.sendPage(req, res, {
        status: 404,
        title: translate(SUBSCRIPTION_TEXTS, lang, 'linkNotFoundTitle'),
        body: `<h1>${s(lang, 'linkNotFoundTitle')}</h1>\n<p>${s(lang, 'linkNotFound')}</p>\n<p><a href="${SUBSCRIPTIONS_PATH}">${s(lang, 'title')}</a></p>`,
      });
      return;
    }
    await deps.audit.record(req, {
      employeeId: employee.id,
      username: employee.username,
      action: 'REVOKE-SUBSCRIPTION',
      outcome: 'accepted',
      status: 200,
      reason: `subscription link ${id} revoked: "${label}"`,
    });
    await page(req, res, employee, { notice: s(lang, 'revoked', { label }) });
  });

  return router;
}
