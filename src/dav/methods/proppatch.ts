// PROPPATCH (RFC 4918 §9.2) of a calendar's display settings: Apple's calendar-color and
// calendar-order, which iOS, macOS and Outlook set, kept per employee and collection by the store
// (docs/writes.md "Colours and order"). Every other property is BrokerStar's or fixed: 403 for it,
// 424 for the rest, nothing stored (all or nothing, §9.2). Items, homes and address books refuse
// the whole request as before (403, properties-read-only).
import { mayKeepDisplaySettings } from '../../policy/display-settings.js';
import { messageFor } from '../../policy/messages.js';
import { REFUSALS, type Refusal } from '../../policy/refusals.js';
import type { Collection, CollectionPreference } from '../../storage/types.js';
import type { DavContext } from '../context.js';
import { badRequest } from '../dav-error.js';
import { preconditionName, throwRefusal } from '../refusals.js';
import { resolveExisting } from '../resolve.js';
import { hrefOf, isCollectionResource } from '../resources.js';
import { writeMultistatus } from '../xml/multistatus.js';
import { APPLE, BS, DAV, type ClarkName } from '../xml/names.js';
import type { XmlElement } from '../xml/parse.js';
import type { XmlNode } from '../xml/write.js';
import type { MethodHandler } from './types.js';

/** Apple's format is #RRGGBBAA; iOS and Outlook also send #RRGGBB. */
const COLOR = /^#([0-9a-f]{6}|[0-9a-f]{8})$/i;
/** A non-negative integer that fits PostgreSQL's integer. */
const ORDER = /^\d{1,9}$/;

interface Instruction {
  readonly name: ClarkName;
  /** undefined for DAV:remove. */
  readonly value: string | undefined;
}

type Outcome = { readonly ok: true; readonly change: CollectionPreference } | { readonly ok: false; readonly status: 403 | 409; readonly refusal: Refusal };

/** DAV:set and DAV:remove in document order (§9.2: applied in that order). */
function instructionsOf(body: XmlElement | undefined): Instruction[] {
  if (!body || body.name !== DAV.propertyupdate) throw badRequest('PROPPATCH body must be DAV:propertyupdate');
  const out: Instruction[] = [];
  for (const op of body.children) {
    if (op.name !== DAV.set && op.name !== DAV.remove) continue;
    for (const prop of op.children.filter((c) => c.name === DAV.prop)) {
      for (const p of prop.children) out.push({ name: p.name, value: op.name === DAV.set ? p.text.trim() : undefined });
    }
  }
  if (out.length === 0) throw badRequest('DAV:propertyupdate names no property');
  return out;
}

/** One property's outcome: a setting to store, or why not. */
function decide(i: Instruction): Outcome {
  if (i.name === APPLE.calendarColor) {
    if (i.value === undefined) return { ok: true, change: { color: null } };
    if (!COLOR.test(i.value)) return { ok: false, status: 409, refusal: REFUSALS.invalidPropertyValue };
    const hex = i.value.toUpperCase();
    return { ok: true, change: { color: hex.length === 7 ? `${hex}FF` : hex } };
  }
  if (i.name === APPLE.calendarOrder) {
    if (i.value === undefined) return { ok: true, change: { order: null } };
    if (!ORDER.test(i.value) || Number(i.value) > 2_147_483_647) return { ok: false, status: 409, refusal: REFUSALS.invalidPropertyValue };
    return { ok: true, change: { order: Number(i.value) } };
  }
  return { ok: false, status: 403, refusal: REFUSALS.properties };
}

function errorOf(ctx: DavContext, refusal: Refusal): XmlNode[] {
  return [{ name: preconditionName(refusal.precondition) }, { name: BS.message, text: messageFor(refusal.message, ctx.lang) }];
}

async function update(ctx: DavContext, c: Collection, instructions: readonly Instruction[]): Promise<void> {
  const outcomes = instructions.map((i) => ({ name: i.name, outcome: decide(i) }));
  const failed = outcomes.filter((o) => !o.outcome.ok);
  const first = failed[0]?.outcome;
  const href = hrefOf({ kind: 'calendar', collection: c });
  let change: CollectionPreference = {};
  for (const o of outcomes) if (o.outcome.ok) change = { ...change, ...o.outcome.change };
  await ctx.store.updateCollectionPreference(c, {
    user: ctx.user,
    change: first ? {} : change,
    refusal:
      first && !first.ok
        ? { status: first.status, reason: first.refusal.message, detail: failed.map((o) => o.name).join(', ') }
        : undefined,
    userAgent: ctx.userAgent,
    href,
  });
  // One propstat per status; with a refusal the others are 424 (RFC 4918 §9.2.1).
  const byStatus = new Map<number, XmlNode[]>();
  for (const o of outcomes) {
    const status = o.outcome.ok ? (first ? 424 : 200) : o.outcome.status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), { name: o.name }]);
  }
  await writeMultistatus(ctx.res, {
    responses: [
      {
        href: ctx.req.path,
        propstats: [...byStatus].map(([status, props]) => ({ status, props })),
        ...(first && !first.ok ? { error: errorOf(ctx, first.refusal) } : {}),
      },
    ],
  });
}

export const proppatch: MethodHandler = {
  method: 'PROPPATCH',
  // Offered where write-properties is granted (own Termine and Aufgaben); taken on every calendar
  // of the home (policy/display-settings.ts); items refuse it.
  allowed: { privilege: 'write-properties', on: 'collections' },
  async handle(ctx) {
    const target = await resolveExisting(ctx, ctx.path);
    const instructions = instructionsOf(await ctx.readXml());
    if (!isCollectionResource(target) || !mayKeepDisplaySettings(ctx.user, target.collection)) {
      return throwRefusal(ctx, REFUSALS.properties, target);
    }
    await update(ctx, target.collection, instructions);
  },
};
