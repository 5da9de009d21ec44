// Writes a collection's new member list as a difference against the stored one: what is new or
// has another ETag gets a fresh sequence number (clients see it), what left becomes a tombstone,
// a member whose cap rank moved but whose ETag did not is re-ranked silently. One statement.

/**
 * `want`: SQL yielding rows (name, entity_kind, entity_id, view, etag, rank, eligible) that must be
 * members now; `gone`: a condition on m (dav.member) for present members that must leave.
 * Parameters: :key and whatever the two fragments use. Returns last_seq (null when nothing
 * changed), served (rows of `want`), eligible (max of its column), changes.
 */
export const MEMBER_DIFF_SQL = (want: string, gone: string) => `
  WITH fresh AS MATERIALIZED (${want}),
  served AS (SELECT * FROM fresh WHERE etag IS NOT NULL),
  upserted AS (
    INSERT INTO dav.member AS m (collection, name, entity_kind, entity_id, view, etag, rank, seq, changed_at)
    SELECT :key::text, f.name, f.entity_kind, f.entity_id, f.view, f.etag, f.rank, nextval('dav.member_seq'), now()
      FROM served f
      LEFT JOIN dav.member old ON old.collection = :key::text AND old.name = f.name
     WHERE old.etag IS DISTINCT FROM f.etag
    ON CONFLICT (collection, name) DO UPDATE SET
      entity_kind = EXCLUDED.entity_kind, entity_id = EXCLUDED.entity_id, view = EXCLUDED.view,
      etag = EXCLUDED.etag, rank = EXCLUDED.rank, seq = EXCLUDED.seq, changed_at = EXCLUDED.changed_at
    RETURNING m.seq),
  reranked AS (
    UPDATE dav.member m SET rank = f.rank
      FROM served f
     WHERE m.collection = :key::text AND m.name = f.name AND m.etag = f.etag AND m.rank IS DISTINCT FROM f.rank),
  removed AS (
    UPDATE dav.member m SET etag = NULL, rank = NULL, seq = nextval('dav.member_seq'), changed_at = now()
     WHERE m.collection = :key::text AND m.etag IS NOT NULL AND (${gone})
    RETURNING m.seq)
  SELECT (SELECT max(seq) FROM (SELECT seq FROM upserted UNION ALL SELECT seq FROM removed) s)::text AS last_seq,
         (SELECT count(*) FROM served)::int AS served,
         coalesce((SELECT max(eligible) FROM fresh), 0)::int AS eligible,
         ((SELECT count(*) FROM upserted) + (SELECT count(*) FROM removed))::int AS changes`;

/** Every present member not in the fresh set leaves (a full recompute). */
export const NOT_IN_FRESH = 'NOT EXISTS (SELECT 1 FROM served f WHERE f.name = m.name)';

export interface DiffResult {
  readonly last_seq: string | null;
  readonly served: number;
  readonly eligible: number;
  readonly changes: number;
}

/** A refresh's outcome: the diff, and whether `eligible` is exact or a lower bound. */
export type RefreshResult = DiffResult & { readonly eligibleExact: boolean };
