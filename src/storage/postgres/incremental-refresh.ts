// An address book brought up to date from the few contacts BrokerStar changed, instead of ranking
// every contact the employee may see. Exact, by this argument: a contact's eligibility and rank
// depend only on its own rows (restrictions and favorites are logged as changes of the contact),
// so untouched members keep their ranks and stay members, and every untouched non-member ranks
// after the last served member (the boundary). With the touched contacts re-ranked, the members are
// the `cap` lowest ranks among untouched members and touched contacts ranked before the boundary,
// provided there are at least `cap` of those; otherwise (members left and the gap must be filled
// from beyond the boundary), or when the book would become capped or could stop being capped, the
// caller recomputes in full.
import type { Queryable } from './queryable.js';
import { named } from './queryable.js';
import { CONTACTS_AMONG } from './brokerstar/membership.js';
import { MEMBER_DIFF_SQL, type DiffResult, type RefreshResult } from './member-diff.js';

/** A contact's member name (as the membership SQL names it). */
const contactName = (id: string) => `${id}.vcf`;

/** More touched contacts than this: a full recompute is as cheap. */
export const INCREMENTAL_MAX_IDS = 500;

export interface Ranked {
  readonly name: string;
  readonly rank: string;
}

export interface Candidate extends Ranked {
  readonly entityId: string;
  readonly etag: string;
}

/** What the collection row says about the last refresh. */
export interface CapState {
  readonly cap: number;
  readonly served: number;
  readonly eligible: number;
  readonly eligibleExact: boolean;
  readonly capped: boolean;
}

export interface Plan {
  /** Members to upsert (new, changed ETag or rank). */
  readonly want: readonly Candidate[];
  /** Present members that leave. */
  readonly gone: readonly string[];
  readonly served: number;
  /** Exact, or a lower bound when `eligibleExact` is false. */
  readonly eligible: number;
  readonly eligibleExact: boolean;
}

/**
 * The new member list after the touched contacts changed, or undefined when only a full recompute
 * can say. `largestKept(n)`: the n present members outside the touched ones with the largest ranks,
 * largest first.
 */
export async function planIncremental(
  s: CapState,
  touched: number,
  touchedMembers: ReadonlySet<string>,
  candidates: readonly Candidate[],
  boundary: string | null,
  largestKept: (n: number) => Promise<readonly Ranked[]>,
): Promise<Plan | undefined> {
  const kept = s.served - touchedMembers.size;
  const goneOf = (stay: readonly Candidate[]) => {
    const staying = new Set(stay.map((c) => c.name));
    return [...touchedMembers].filter((n) => !staying.has(n));
  };
  if (!s.capped) {
    // Everything eligible was served: the touched contacts that are eligible now simply join.
    const eligible = kept + candidates.length;
    if (eligible > s.cap) return undefined; // becomes capped: the full recompute says so and logs it
    return { want: candidates, gone: goneOf(candidates), served: eligible, eligible, eligibleExact: true };
  }
  if (boundary === null || s.served !== s.cap) return undefined;
  const inside = candidates.filter((c) => c.rank <= boundary); // byte order, as COLLATE "C"
  const total = kept + inside.length;
  if (total < s.cap) return undefined; // a gap only contacts beyond the boundary can fill
  // Still capped? Untouched contacts beyond the boundary stay eligible; of the old ones beyond it,
  // at most the touched non-members may have left.
  const touchedOutside = touched - touchedMembers.size;
  const beyondBefore = s.eligible - s.served;
  const beyondLeft = Math.max(0, beyondBefore - touchedOutside);
  const eligible = kept + candidates.length + beyondLeft;
  if (eligible <= s.cap) return undefined; // could stop being capped: count in full
  // The `total - cap` largest ranks among untouched members and the admitted touched ones go.
  const drop = total - s.cap;
  const droppedKept: string[] = [];
  const droppedInside = new Set<string>();
  if (drop > 0) {
    const pool = [...(await largestKept(drop)).map((r) => ({ ...r, kept: true })), ...inside.map((c) => ({ ...c, kept: false }))];
    pool.sort((a, b) => (a.rank < b.rank ? 1 : a.rank > b.rank ? -1 : 0));
    for (const r of pool.slice(0, drop)) {
      if (r.kept) droppedKept.push(r.name);
      else droppedInside.add(r.name);
    }
  }
  const want = inside.filter((c) => !droppedInside.has(c.name));
  return {
    want,
    gone: [...goneOf(want), ...droppedKept],
    served: s.cap,
    eligible,
    // Exact when the count was and no touched contact was a non-member before (so none of the
    // old ones beyond the boundary can have left).
    eligibleExact: s.eligibleExact && touchedOutside === 0,
  };
}

/** The contacts touched since generation `seen` up to `upTo`, or undefined when not known. */
export async function touchedSince(db: Queryable, scope: string, seen: string, upTo: string): Promise<string[] | undefined> {
  const { rows } = await db.query<{ known: boolean; ids: string[] | null }>(
    `SELECT g.logged_since <= $2::bigint AS known,
            (SELECT CASE WHEN bool_or(l.ids IS NULL) THEN NULL
                         ELSE coalesce(array_agg(DISTINCT i.id::text) FILTER (WHERE i.id IS NOT NULL), '{}') END
               FROM dav.generation_log l LEFT JOIN LATERAL unnest(l.ids) AS i(id) ON true
              WHERE l.scope = $1 AND l.generation > $2::bigint AND l.generation <= $3::bigint) AS ids
       FROM dav.generation g WHERE g.scope = $1`,
    [scope, seen, upTo],
  );
  const r = rows[0];
  if (!r?.known || r.ids === null || r.ids.length > INCREMENTAL_MAX_IDS) return undefined;
  return r.ids;
}

export interface IncrementalInput {
  readonly key: string;
  readonly viewer: string;
  readonly state: CapState;
  readonly ids: readonly string[];
}

/** Plans and applies an incremental refresh of an address book; undefined: recompute in full. */
export async function refreshAddressBookIncrementally(db: Queryable, input: IncrementalInput): Promise<RefreshResult | undefined> {
  const { key, viewer, state, ids } = input;
  const cand = await db.query<{ name: string; entity_id: string; etag: string; rank: string }>(
    named(`SELECT name, entity_id::text AS entity_id, etag, rank FROM (${CONTACTS_AMONG}) x`, { viewer, ids }),
  );
  // Which touched contacts are members now (by primary key: a member's name is the contact's id;
  // the index on (collection, seq) would walk all 5,000), and the last served rank, in one trip.
  const { rows: known } = await db.query<{ members: string[] | null; boundary: string | null }>(
    `SELECT (SELECT array_agg(name) FROM dav.member WHERE collection = $1 AND name = ANY($2::text[]) AND etag IS NOT NULL) AS members,
            (SELECT max(rank) FROM dav.member WHERE collection = $1 AND etag IS NOT NULL AND rank IS NOT NULL) AS boundary`,
    [key, ids.map(contactName)],
  );
  const touchedMembers = new Set(known[0]?.members ?? []);
  const boundary = state.capped ? (known[0]?.boundary ?? null) : null;
  const candidates = cand.rows.map((r) => ({ name: r.name, entityId: r.entity_id, etag: r.etag, rank: r.rank }));
  const plan = await planIncremental(state, ids.length, touchedMembers, candidates, boundary, async (n) => {
    const { rows } = await db.query<Ranked>(
      `SELECT name, rank FROM dav.member
        WHERE collection = $1 AND etag IS NOT NULL AND rank IS NOT NULL AND NOT (entity_id = ANY($2::bigint[]))
        ORDER BY rank DESC LIMIT $3`,
      [key, ids, n],
    );
    return rows;
  });
  if (!plan) return undefined;
  const want = `SELECT w.name, 'contact'::text AS entity_kind, w.entity_id, 'full'::text AS view, w.etag, w.rank, 0 AS eligible
                  FROM unnest(:names::text[], :entity_ids::bigint[], :etags::text[], :ranks::text[]) AS w(name, entity_id, etag, rank)`;
  const { text, values } = named(MEMBER_DIFF_SQL(want, 'm.name = ANY(:gone::text[])'), {
    key,
    names: plan.want.map((c) => c.name),
    entity_ids: plan.want.map((c) => c.entityId),
    etags: plan.want.map((c) => c.etag),
    ranks: plan.want.map((c) => c.rank),
    gone: plan.gone,
  });
  const { rows } = await db.query<DiffResult>(text, values);
  return { last_seq: rows[0]!.last_seq, served: plan.served, eligible: plan.eligible, changes: rows[0]!.changes, eligibleExact: plan.eligibleExact };
}
