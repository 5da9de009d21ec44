// The detailed per-client guides at /setup/guide/<client>: the client's section of
// docs/client-setup.md (English), cut out by its "## " heading, with the placeholder host and the
// example user name replaced by this server's address and the signed-in employee's user name, and
// rendered as HTML by a small renderer of exactly the Markdown that file uses (headings,
// paragraphs, nested lists, **bold**, *italic*, `code`, [links](…), tables, fenced code). Every
// piece of text is escaped; only https links stay links. No secret is shown, so no sign-in is needed.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import express from 'express';
import { GUIDE_TEXTS, type GuideTextKey } from '../i18n/guides.js';
import { translate, type Language } from '../i18n/texts.js';
import type { Logger } from '../logger.js';
import { PROJECT_ROOT } from '../paths.js';
import { escapeHtml, type PortalPage } from './contract.js';

export const GUIDE_FILE = path.join(PROJECT_ROOT, 'docs', 'client-setup.md');

export const GUIDE_CLIENTS = ['outlook', 'iphone', 'android', 'thunderbird'] as const;
export type GuideClient = (typeof GUIDE_CLIENTS)[number];

export function isGuideClient(value: unknown): value is GuideClient {
  return typeof value === 'string' && (GUIDE_CLIENTS as readonly string[]).includes(value);
}

/** How the client's "## " heading in docs/client-setup.md begins. */
const HEADING_START: Record<GuideClient, string> = {
  outlook: 'Outlook',
  iphone: 'iPhone',
  android: 'Android',
  thunderbird: 'Thunderbird',
};

const CLIENT_TEXT: Record<GuideClient, GuideTextKey> = {
  outlook: 'guideOutlook',
  iphone: 'guideIphone',
  android: 'guideAndroid',
  thunderbird: 'guideThunderbird',
};

/** The placeholders of docs/client-setup.md. */
const EXAMPLE_USER = /\banna\.meier\b/g;
/** `HOST` but not the environment variable `HOST=0.0.0.0` the demo notes mention. */
const BARE_HOST = /\bHOST\b(?!=)/g;

/** A guide text in `lang`, HTML-escaped. */
export function gt(lang: Language, key: GuideTextKey, params?: Readonly<Record<string, string>>): string {
  return escapeHtml(translate(GUIDE_TEXTS, lang, key, params));
}

export function guidePath(client: GuideClient): string {
  return `/setup/guide/${client}`;
}

/** A link to the detailed guide of one client, for the setup pages. */
export function guideLink(lang: Language, client: GuideClient): string {
  const name = translate(GUIDE_TEXTS, lang, CLIENT_TEXT[client]);
  return `<p class="guide-link"><a href="${guidePath(client)}">${gt(lang, 'guideLink', { client: name })}</a></p>`;
}

/** The list of all guides (start page, unknown guide). */
export function guideList(lang: Language): string {
  return `<ul class="guides">${GUIDE_CLIENTS.map((c) => `<li><a href="${guidePath(c)}">${gt(lang, CLIENT_TEXT[c])}</a></li>`).join('')}</ul>`;
}

/** The start page's section pointing to the guides. */
export function guidesSection(lang: Language): string {
  return `<h2 id="guides">${gt(lang, 'guidesTitle')}</h2>\n<p>${gt(lang, 'guidesIntro')}</p>\n${guideList(lang)}`;
}

// ---------------------------------------------------------------------------------------------
// Cutting out a section

export interface GuideSection {
  /** The "## " heading's text (Markdown). */
  readonly heading: string;
  /** Everything below it up to the next "# " or "## " heading. */
  readonly body: string;
}

const FENCE = /^\s*(```|~~~)/;

/** The section of `client` in the Markdown document, or undefined when it has none. */
export function guideSection(markdown: string, client: GuideClient): GuideSection | undefined {
  const lines = markdown.split(/\r?\n/);
  let inFence = false;
  let start = -1;
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (FENCE.test(line)) inFence = !inFence;
    if (inFence) continue;
    const m = /^(#{1,2})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    if (start >= 0) return { heading, body: lines.slice(start + 1, i).join('\n') };
    if (m[1] === '##' && m[2]!.startsWith(HEADING_START[client])) {
      start = i;
      heading = m[2]!;
    }
  }
  return start >= 0 ? { heading, body: lines.slice(start + 1).join('\n') } : undefined;
}

/** Replaces the placeholders of the guide's text with this server's address and the employee's user name. */
export function personaliser(o: { baseUrl: string; username?: string | undefined }): (text: string) => string {
  const base = o.baseUrl.replace(/\/+$/, '');
  // Where a client wants the bare host (iPhone's "Server"), https is implied; any other scheme is written out.
  const bare = base.startsWith('https://') ? base.slice('https://'.length) : `${base}/`;
  return (text) => {
    let out = text.replace(/https:\/\/HOST\//g, `${base}/`).replace(BARE_HOST, bare);
    if (o.username !== undefined) out = out.replace(EXAMPLE_USER, o.username);
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// The renderer

export interface RenderOptions {
  /** Applied to every piece of text (also in code spans) before it is escaped. */
  readonly text?: (s: string) => string;
}

interface Ctx {
  readonly text: (s: string) => string;
}

/** Markdown as used in docs/ → HTML; "#"/"##" become h1, "###" h2, "####" h3 and so on. */
export function renderMarkdown(markdown: string, o: RenderOptions = {}): string {
  const ctx: Ctx = { text: o.text ?? ((s) => s) };
  const lines = markdown.replace(/\t/g, '    ').split(/\r?\n/);
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = Math.min(6, Math.max(1, heading[1]!.length - 1));
      out.push(`<h${level}>${inline(heading[2]!, ctx)}</h${level}>`);
      i++;
      continue;
    }
    const fence = /^(\s*)(```|~~~)/.exec(line);
    if (fence) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(fence[2]!)) code.push(lines[i++]!);
      i++; // the closing fence (or the end)
      out.push(`<pre><code>${escapeHtml(ctx.text(code.join('\n')))}</code></pre>`);
      continue;
    }
    if (isTableStart(lines, i)) {
      const rows: string[] = [];
      while (i < lines.length && lines[i]!.trim().startsWith('|')) rows.push(lines[i++]!);
      out.push(renderTable(rows, ctx));
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const block: string[] = [];
      while (i < lines.length) {
        const l = lines[i]!;
        if (l.trim() === '') {
          // A blank line ends the list unless it goes on (another item or an indented line).
          const next = lines[i + 1];
          if (next !== undefined && next.trim() !== '' && (LIST_ITEM.test(next) || /^\s{2,}\S/.test(next))) {
            i++;
            continue;
          }
          break;
        }
        if (block.length > 0 && !LIST_ITEM.test(l) && !/^\s/.test(l) && startsBlock(lines, i)) break;
        block.push(l);
        i++;
      }
      out.push(renderList(block, ctx));
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && (para.length === 0 || !startsBlock(lines, i))) para.push(lines[i++]!.trim());
    out.push(`<p>${inline(para.join('\n'), ctx)}</p>`);
  }
  return out.join('\n');
}

const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;

function isTableStart(lines: readonly string[], i: number): boolean {
  const head = lines[i]!.trim();
  const sep = lines[i + 1]?.trim() ?? '';
  return head.startsWith('|') && /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$/.test(sep);
}

/** Whether line i begins a block other than a paragraph (so it ends the paragraph before it). */
function startsBlock(lines: readonly string[], i: number): boolean {
  const l = lines[i]!;
  return /^#{1,6}\s/.test(l) || /^\s*(```|~~~)/.test(l) || isTableStart(lines, i) || LIST_ITEM.test(l);
}

function cells(row: string): string[] {
  let r = row.trim();
  if (r.startsWith('|')) r = r.slice(1);
  if (r.endsWith('|') && !r.endsWith('\\|')) r = r.slice(0, -1);
  return r.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

function renderTable(rows: readonly string[], ctx: Ctx): string {
  const [head = '', , ...body] = rows;
  const th = cells(head).map((c) => `<th scope="col">${inline(c, ctx)}</th>`).join('');
  const trs = body.map((r) => `<tr>${cells(r).map((c) => `<td>${inline(c, ctx)}</td>`).join('')}</tr>`);
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs.join('\n')}\n</tbody></table>`;
}

interface ListNode {
  readonly ordered: boolean;
  readonly start: number;
  readonly markerIndent: number;
  readonly items: ItemNode[];
}
interface ItemNode {
  /** Where the item's text starts: lines indented at least this far belong inside it. */
  readonly contentIndent: number;
  /** Its text lines and nested lists, in order. */
  readonly parts: (string[] | ListNode)[];
}

function renderList(block: readonly string[], ctx: Ctx): string {
  const roots: ListNode[] = [];
  const stack: ListNode[] = [];
  for (const line of block) {
    const indent = line.length - line.trimStart().length;
    const item = LIST_ITEM.exec(line);
    if (item) {
      const marker = item[2]!;
      const ordered = /\d/.test(marker);
      const node: ItemNode = { contentIndent: line.length - item[3]!.length, parts: [[item[3]!]] };
      // Find the list this item belongs to: nested in the last item, a sibling, or further out.
      for (;;) {
        const top = stack.at(-1);
        const last = top?.items.at(-1);
        if (!top || (last && indent >= last.contentIndent)) {
          const list: ListNode = { ordered, start: ordered ? Number.parseInt(marker, 10) : 1, markerIndent: indent, items: [node] };
          if (top && last) last.parts.push(list);
          else roots.push(list);
          stack.push(list);
          break;
        }
        if (indent >= top.markerIndent && top.ordered === ordered) {
          top.items.push(node);
          break;
        }
        stack.pop();
      }
      continue;
    }
    // A continuation line: it belongs to the innermost item it is indented into (or the innermost at all).
    while (stack.length > 1 && indent < stack.at(-1)!.items.at(-1)!.contentIndent) stack.pop();
    const parts = stack.at(-1)?.items.at(-1)?.parts;
    if (!parts) continue;
    const last = parts.at(-1);
    if (Array.isArray(last)) last.push(line.trim());
    else parts.push([line.trim()]);
  }
  return roots.map((l) => listHtml(l, ctx)).join('\n');
}

function listHtml(list: ListNode, ctx: Ctx): string {
  const tag = list.ordered ? 'ol' : 'ul';
  const start = list.ordered && list.start !== 1 ? ` start="${list.start}"` : '';
  const items = list.items.map((it) => `<li>${it.parts.map((p) => (Array.isArray(p) ? inline(p.join('\n'), ctx) : `\n${listHtml(p, ctx)}\n`)).join('')}</li>`);
  return `<${tag}${start}>\n${items.join('\n')}\n</${tag}>`;
}

/** Inline Markdown: `code`, **bold**, *italic*, [text](link), backslash escapes; everything else text. */
function inline(s: string, ctx: Ctx): string {
  let out = '';
  let text = '';
  const flush = () => {
    out += escapeHtml(ctx.text(text));
    text = '';
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length && /[\\`*_[\]()#|!<>{}.+-]/.test(s[i + 1]!)) {
      text += s[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      let n = 1;
      while (s[i + n] === '`') n++;
      const ticks = '`'.repeat(n);
      const end = s.indexOf(ticks, i + n);
      if (end > i) {
        flush();
        let code = s.slice(i + n, end).replace(/\n/g, ' ');
        if (/^ .* $/.test(code)) code = code.slice(1, -1);
        out += `<code>${escapeHtml(ctx.text(code))}</code>`;
        i = end + n;
        continue;
      }
      text += ticks;
      i += n;
      continue;
    }
    if (c === '*' && s[i + 1] === '*') {
      const end = s.indexOf('**', i + 2);
      if (end > i + 2) {
        flush();
        out += `<strong>${inline(s.slice(i + 2, end), ctx)}</strong>`;
        i = end + 2;
        continue;
      }
    } else if (c === '*' && s[i + 1] !== undefined && !/\s/.test(s[i + 1]!)) {
      const end = closingStar(s, i + 1);
      if (end > 0) {
        flush();
        out += `<em>${inline(s.slice(i + 1, end), ctx)}</em>`;
        i = end + 1;
        continue;
      }
    } else if (c === '[') {
      const link = linkAt(s, i);
      if (link) {
        flush();
        const label = inline(link.label, ctx);
        out += /^https:\/\/[^\s"'<>]+$/.test(link.href) ? `<a href="${escapeHtml(link.href)}" rel="noopener">${label}</a>` : label;
        i = link.end;
        continue;
      }
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

/** The index of the single `*` closing an emphasis opened before `from`, or -1. */
function closingStar(s: string, from: number): number {
  let j = from;
  while (j < s.length) {
    const k = s.indexOf('*', j);
    if (k < 0) return -1;
    if (s[k + 1] === '*') {
      // a **bold** inside the emphasis: skip over it
      const end = s.indexOf('**', k + 2);
      if (end < 0) return -1;
      j = end + 2;
      continue;
    }
    if (!/\s/.test(s[k - 1]!)) return k;
    j = k + 1;
  }
  return -1;
}

/** A [label](href) starting at i (label without nested brackets), or undefined. */
function linkAt(s: string, i: number): { label: string; href: string; end: number } | undefined {
  const close = s.indexOf('](', i + 1);
  if (close < 0 || s.slice(i + 1, close).includes('[')) return undefined;
  // The target ends at the ")" that balances the "(" (a URL may hold parentheses).
  let depth = 1;
  let end = close + 2;
  for (; end < s.length; end++) {
    if (s[end] === '(') depth++;
    else if (s[end] === ')' && --depth === 0) break;
  }
  if (depth !== 0) return undefined;
  const href = s.slice(close + 2, end).trim();
  if (/\s/.test(href)) return undefined;
  return { label: s.slice(i + 1, close), href, end: end + 1 };
}

// ---------------------------------------------------------------------------------------------
// The route

export interface GuideDeps {
  sendPage(req: express.Request, res: express.Response, page: PortalPage): void;
  languageOf(req: express.Request): Language;
  /** The server's public base address, without trailing slash (PUBLIC_URL or the request's). */
  baseUrl(req: express.Request): string;
  /** The signed-in employee's user name, if any. */
  usernameOf(req: express.Request): string | undefined;
  readonly log: Logger;
  /** The Markdown file (default docs/client-setup.md). */
  readonly file?: string;
}

/** GET /guide/ (the list) and /guide/:client, for a router mounted at /setup. */
export function guideRoutes(deps: GuideDeps): express.Router {
  const file = deps.file ?? GUIDE_FILE;
  let cached: string | undefined;
  let warned = false;
  /** The document, read once; undefined while it is missing or unreadable (then tried again next time). */
  const documentText = async (): Promise<string | undefined> => {
    if (cached !== undefined) return cached;
    try {
      cached = await readFile(file, 'utf8');
      return cached;
    } catch (err) {
      if (!warned) deps.log.warn({ file, code: (err as NodeJS.ErrnoException).code }, 'portal guides: the client setup document cannot be read');
      warned = true;
      return undefined;
    }
  };

  const back = (lang: Language) => `<p><a href="/setup/">${gt(lang, 'guideBack')}</a></p>`;
  const router = express.Router();

  router.get('/guide', (req, res) => {
    const lang = deps.languageOf(req);
    deps.sendPage(req, res, { title: translate(GUIDE_TEXTS, lang, 'guidesTitle'), body: `<h1>${gt(lang, 'guidesTitle')}</h1>\n<p>${gt(lang, 'guidesIntro')}</p>\n${guideList(lang)}\n${back(lang)}` });
  });

  router.get('/guide/:client', async (req, res) => {
    const lang = deps.languageOf(req);
    const client = req.params.client;
    if (!isGuideClient(client)) {
      deps.sendPage(req, res, {
        status: 404,
        title: translate(GUIDE_TEXTS, lang, 'guideUnknownTitle'),
        body: `<h1>${gt(lang, 'guideUnknownTitle')}</h1>\n<p>${gt(lang, 'guideUnknown')}</p>\n${guideList(lang)}\n${back(lang)}`,
      });
      return;
    }
    const doc = await documentText();
    const section = doc === undefined ? undefined : guideSection(doc, client);
    if (!section) {
      if (doc !== undefined) deps.log.warn({ client }, 'portal guides: no section for this client in the client setup document');
      deps.sendPage(req, res, {
        status: 404,
        title: translate(GUIDE_TEXTS, lang, 'guideMissingTitle'),
        body: `<h1>${gt(lang, 'guideMissingTitle')}</h1>\n<p>${gt(lang, 'guideMissing')}</p>\n${back(lang)}`,
      });
      return;
    }
    const base = deps.baseUrl(req);
    const username = deps.usernameOf(req);
    const text = personaliser({ baseUrl: base, username });
    const parts = [`<h1 lang="en">${inline(section.heading, { text })}</h1>`];
    if (lang !== 'en') parts.push(`<p class="notice warn">${gt(lang, 'guideInEnglish')}</p>`);
    if (username !== undefined) parts.push(`<p class="notice ok">${gt(lang, 'guidePersonal', { server: `${base}/`, user: username })}</p>`);
    else parts.push(`<p class="notice">${gt(lang, 'guideSignIn')} <a href="/setup/">${gt(lang, 'guideSignInLink')}</a></p>`);
    parts.push(`<div class="guide" lang="en">\n${renderMarkdown(section.body, { text })}\n</div>`);
    parts.push(back(lang));
    deps.sendPage(req, res, { title: personaliser({ baseUrl: base })(section.heading.replace(/[*`]/g, '')), body: parts.join('\n') });
  });

  return router;
}
