// What a private subscription link addresses (docs/subscription-links.md): its URL below the
// server's public address, and which of an employee's calendars may have one. Shared by the .ics
// route, the portal and the command line.
import type { Collection } from '../storage/types.js';

/** Where the links live: outside /dav/ and before Basic authentication (app.ts). */
export const SUBSCRIPTION_ROOT = '/subscriptions';

/** The link's absolute URL; `baseUrl` is PUBLIC_URL (or the request's address), without a trailing slash. */
export function subscriptionUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${SUBSCRIPTION_ROOT}/${token}.ics`;
}

/**
 * Appointment calendars only: his own and the colleagues' he sees. Not the tasks: Outlook's and
 * Google's internet calendars ignore VTODO, so a task link would show an empty calendar.
 */
export function isSubscribable(c: Collection): boolean {
  return c.listed && (c.type === 'events' || c.type === 'shared-events');
}
