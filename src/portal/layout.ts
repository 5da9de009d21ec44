// The portal's pages: one layout (language, stylesheet, who is signed in), the security headers
// every page carries, the language of a request, and dates as an employee reads them.
import type express from 'express';
import type { Config } from '../config.js';
import { PORTAL_TEXTS, type PortalTextKey } from '../i18n/portal.js';
import { translate, type Language } from '../i18n/texts.js';
import { escapeHtml, type PortalEmployee, type PortalPage } from './contract.js';
import { COPY_SCRIPT_PATH } from './copy-script.js';

export const STYLESHEET_PATH = '/setup/style.css';

/** A portal text in `lang`, HTML-escaped. */
export function t(lang: Language, key: PortalTextKey, params?: Readonly<Record<string, string>>): string {
  return escapeHtml(translate(PORTAL_TEXTS, lang, key, params));
}

const LOCALES: Record<Language, string> = { de: 'de-CH', fr: 'fr-CH', it: 'it-CH', en: 'en-GB' };

export function formatDate(lang: Language, d: Date): string {
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Zurich' }).format(d);
}

/**
 * Content-Security-Policy of every portal page: nothing but our own stylesheet, images (the QR
 * code is inline SVG markup, which needs no source) and script (only /setup/copy.js exists, the
 * copy buttons; nothing inline, no eval), no framing; forms post only to us (and to the OpenID
 * provider when one is configured, since a form's redirect counts).
 */
export function contentSecurityPolicy(config: Config): string {
  let formAction = "'self'";
  if (config.oidcIssuer) {
    try {
      formAction += ` ${new URL(config.oidcIssuer).origin}`;
    } catch {
      // config.ts validated it; nothing to add otherwise
    }
  }
  return [
    "default-src 'none'",
    "style-src 'self'",
    "script-src 'self'",
    "img-src 'self' data:",
    `form-action ${formAction}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The headers of every portal response (pages, redirects, downloads). */
export function setSecurityHeaders(res: express.Response, config: Config): void {
  res.set({
    'Content-Security-Policy': contentSecurityPolicy(config),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    // Pages show app passwords, tokens in forms and who is signed in: never stored anywhere.
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
}

export interface LayoutOptions {
  readonly lang: Language;
  readonly firmName: string;
  readonly employee?: PortalEmployee;
  /** The sign-out form's hidden CSRF field (signed in only). */
  readonly signOutCsrf?: string;
}

/**
 * The copy-button script, on pages that mark a value with `data-copy` only; it has no catalogue,
 * so its element carries the button's words in the page's language.
 */
function copyScript(body: string, lang: Language): string {
  if (!/\sdata-copy[\s>=]/.test(body)) return '';
  return `<script src="${COPY_SCRIPT_PATH}" defer data-copy-label="${t(lang, 'copyButton')}" data-copied-label="${t(lang, 'copied')}"></script>\n`;
}

export function renderPage(page: PortalPage, o: LayoutOptions): string {
  const who = o.employee
    ? `<div class="who"><span>${t(o.lang, 'signedInAs', { name: `${o.employee.firstName} ${o.employee.lastName}` })}</span>
<form method="post" action="/setup/sign-out">${o.signOutCsrf ?? ''}<button type="submit" class="link">${t(o.lang, 'signOut')}</button></form></div>`
    : '';
  return `<!doctype html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(page.title)} · ${escapeHtml(o.firmName)}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<link rel="icon" href="data:,">
${copyScript(page.body, o.lang)}</head>
<body>
<a class="skip" href="#main">${t(o.lang, 'skipToContent')}</a>
<header><a class="home" href="/setup/">${escapeHtml(o.firmName)} · ${t(o.lang, 'portalName')}</a>${who}</header>
<main id="main">
${page.body}
</main>
</body>
</html>
`;
}

/** System fonts, large targets, contrast above 7:1 for text; no external resources. */
export const STYLESHEET = `
:root { color-scheme: light; --fg: #1a1a1a; --muted: #4a4a4a; --bg: #ffffff; --accent: #0b57a4; --line: #c8c8c8; --warn-bg: #fff4d6; --ok-bg: #e6f4ea; --err-bg: #fde8e8; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; font-size: 1.0625rem; line-height: 1.5; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; justify-content: space-between; align-items: center; padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
header .home { font-weight: 600; color: var(--fg); text-decoration: none; }
.who { display: flex; gap: .75rem; align-items: center; color: var(--muted); }
.who form { margin: 0; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem; }
.skip:focus { left: .5rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
.hint { color: var(--muted); font-size: .95rem; margin: .25rem 0; }
input[type=text], select { width: 100%; max-width: 28rem; font: inherit; padding: .6rem; border: 1px solid #767676; border-radius: 6px; background: #fff; color: var(--fg); }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .65rem 1.1rem; margin: .75rem .5rem 0 0; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; min-height: 44px; }
button.secondary { background: #fff; color: var(--accent); }
button.link { background: none; border: none; color: var(--accent); text-decoration: underline; padding: 0; margin: 0; min-height: 0; font-weight: 400; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; vertical-align: top; padding: .5rem .4rem; border-bottom: 1px solid var(--line); }
th { font-size: .95rem; }
td form { margin: 0; }
td button { margin: 0; padding: .4rem .8rem; min-height: 40px; }
.notice { padding: .75rem 1rem; border-radius: 6px; margin: 1rem 0; }
.notice.ok { background: var(--ok-bg); }
.notice.warn { background: var(--warn-bg); }
.notice.err { background: var(--err-bg); }
.secret { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 1.25rem; letter-spacing: .05em; background: #f2f2f2; padding: .4rem .6rem; border-radius: 4px; overflow-wrap: anywhere; user-select: all; }
code, .mono { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; overflow-wrap: anywhere; }
button.copy { margin: .15rem 0 .15rem .5rem; padding: .2rem .7rem; min-height: 2.25rem; font-size: .95rem; background: #fff; color: var(--accent); vertical-align: middle; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
dl.fields dt { font-weight: 600; }
dl.fields dd { margin: 0; }
.qr svg { width: 100%; max-width: 280px; height: auto; background: #fff; }
@media (min-width: 40.01rem) {
  table.devices td.address { white-space: nowrap; }
}
@media (max-width: 40rem) {
  table.devices thead { display: none; }
  table.devices tr { display: block; border-bottom: 1px solid var(--line); padding: .5rem 0; }
  table.devices td { display: block; border: none; padding: .15rem 0; }
  table.devices td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; }
  table.devices td[data-label]:lang(fr)::before { content: attr(data-label) "\\00a0: "; }
  dl.fields { grid-template-columns: 1fr; }
}
`;

/** The portal's "pick one, name it" form (a device kind, a calendar): what differs is passed in. */
export interface LabelledChoiceForm {
  readonly action: string;
  readonly csrf: string;
  /** id and name of the select. */
  readonly choice: string;
  readonly choiceLabel: string;
  /** The <option> elements, already escaped. */
  readonly options: string;
  readonly labelLabel: string;
  readonly labelHint: string;
  /** The label typed before (shown again after an error). */
  readonly label: string | undefined;
  /** id of the error notice above the form, when there is one. */
  readonly errorId: string | undefined;
  readonly button: string;
}

export function labelledChoiceForm(f: LabelledChoiceForm): string {
  const described = f.errorId ? ` aria-describedby="label-hint ${f.errorId}"` : ' aria-describedby="label-hint"';
  return `<form method="post" action="${f.action}">${f.csrf}
<label for="${f.choice}">${f.choiceLabel}</label>
<select id="${f.choice}" name="${f.choice}" required>${f.options}</select>
<label for="label">${f.labelLabel}</label>
<input type="text" id="label" name="label" required maxlength="100" autocomplete="off" value="${escapeHtml(f.label ?? '')}"${described}>
<p class="hint" id="label-hint">${f.labelHint}</p>
<button type="submit">${f.button}</button>
</form>`;
}
