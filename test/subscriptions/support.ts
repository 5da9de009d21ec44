// What the subscription link tests share: parsing the .ics a link serves, reading its events, and
// fetching a link without credentials the way Outlook or Google Calendar do.
import ICAL from 'ical.js';
import type { TestServer } from '../support/server.js';

export interface Fetched {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** A plain GET (or another method) of `path` with no credentials and no cookies. */
export async function fetchLink(url: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Fetched> {
  const res = await fetch(url, { method: opts.method ?? 'GET', headers: opts.headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The path of a link URL (the test server's origin is the same). */
export function linkPath(url: string): string {
  return new URL(url).pathname;
}

export function linkUrl(dav: TestServer, token: string): string {
  return `${dav.url}/subscriptions/${token}.ics`;
}

export interface ParsedCalendar {
  readonly summaries: string[];
  readonly timezones: string[];
  readonly events: ICAL.Component[];
}

/** The .ics parsed by ical.js: one VCALENDAR, its VTIMEZONEs and VEVENTs. */
export function parseCalendar(text: string): ParsedCalendar {
  const root = new ICAL.Component(ICAL.parse(text) as unknown[]);
  if (root.name !== 'vcalendar') throw new Error(`not a VCALENDAR: ${root.name}`);
  const events = root.getAllSubcomponents('vevent');
  return {
    events,
    summaries: events.map((e) => String(e.getFirstPropertyValue('summary'))),
    timezones: root.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid'))),
  };
}

/** An instant `days` from now at a whole hour (appointments inside every sync window). */
export function daysFromNow(days: number, hour = 9): Date {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(hour, 0, 0, 0);
  return d;
}
