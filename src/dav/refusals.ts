// A refusal of the catalogue (policy/refusals.ts) as DAV answers it (design.md §4), and the one
// place the DAV core announces an item again: after a refusal the catalogue marks, and after an
// edit that BrokerStar stores differently from the body.
import type { Precondition, Refusal } from '../policy/refusals.js';
import type { DavContext } from './context.js';
import { DavError } from './dav-error.js';
import { privilegeName } from './policy.js';
import { hrefOf, isObjectResource, type ObjectResource, type Resource } from './resources.js';
import { BS, CALDAV, DAV, type ClarkName } from './xml/names.js';

const PRECONDITION_NAMES: Readonly<Record<Precondition, ClarkName>> = {
  'create-in-brokerstar': BS.createInBrokerstar,
  'delete-in-brokerstar': BS.deleteInBrokerstar,
  'read-only-collection': BS.readOnlyCollection,
  'contacts-read-only': BS.contactsReadOnly,
  'not-owner': BS.notOwner,
  'assign-in-brokerstar': BS.assignInBrokerstar,
  'participants-in-brokerstar': BS.participantsInBrokerstar,
  'organizer-in-brokerstar': BS.organizerInBrokerstar,
  'recurrence-in-brokerstar': BS.recurrenceInBrokerstar,
  'private-not-accepted': BS.privateNotAccepted,
  'answer-own-only': BS.answerOwnOnly,
  'answer-whole-series': BS.answerWholeSeries,
  'task-details-in-brokerstar': BS.taskDetailsInBrokerstar,
  'status-in-brokerstar': BS.statusInBrokerstar,
  'method-not-supported': BS.methodNotSupported,
  'properties-read-only': BS.propertiesReadOnly,
  'valid-property-value': BS.validPropertyValue,
  'valid-calendar-data': CALDAV.validCalendarData,
  'no-uid-conflict': CALDAV.noUidConflict,
  'supported-calendar-component': CALDAV.supportedCalendarComponent,
};

/** A refusal's precondition element, also inside a 207 (PROPPATCH's refused properties). */
export const preconditionName = (p: Precondition): ClarkName => PRECONDITION_NAMES[p];

/**
 * The 403: DAV:need-privileges naming the resource and the missing privilege (RFC 3744 §7.1.1;
 * without it DAVx5 stops syncing the collection), the precondition element and the message key.
 */
function refusalError(refusal: Refusal, resourceHref: string, auditDetail: string | undefined): DavError {
  const privilege = privilegeName(refusal.privilege);
  const needPrivileges = {
    name: DAV.needPrivileges,
    children: [
      {
        name: DAV.resource,
        children: [
          { name: DAV.href, text: resourceHref },
          { name: DAV.privilege, children: [{ name: privilege }] },
        ],
      },
    ],
  };
  return new DavError(403, `missing privilege ${privilege} on ${resourceHref}`, needPrivileges, {
    messageKey: refusal.message,
    extra: [{ name: PRECONDITION_NAMES[refusal.precondition] }],
    auditDetail,
  });
}

/** New ETag and sync token for the item after `delaySeconds`, BrokerStar's data untouched. */
export async function reannounce(ctx: DavContext, item: ObjectResource, delaySeconds: number, reason: string): Promise<void> {
  await ctx.store.reannounce(item.collection, item.name, { delaySeconds, reason });
}

/**
 * Throws `refusal` for `target` (or the request path, where nothing is mapped yet), after
 * announcing the item again when the catalogue says so. `note` goes to the log line of the
 * re-announcement, `auditDetail` to the audit reason.
 */
export async function throwRefusal(
  ctx: DavContext,
  refusal: Refusal,
  target: Resource | string,
  why: { readonly note?: string; readonly auditDetail?: string } = {},
): Promise<never> {
  if (refusal.reannounce && typeof target !== 'string' && isObjectResource(target)) {
    await reannounce(ctx, target, 0, `refused ${ctx.req.method}${why.note ? `: ${why.note}` : ''}`);
  }
  throw refusalError(refusal, typeof target === 'string' ? target : hrefOf(target), why.auditDetail);
}
