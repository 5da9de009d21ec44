// Membership of the two collections made from an employee's contacts (issue 16): "Meine Kunden"
// (the contacts he advises and his favourites, uncapped) and the birthdays calendar. Both see
// exactly what Kontakte may show (design.md §3): never deleted or archived contacts, restricted
// ones only for the listed employees and the advisor. Same row shape and parameters as
// membership.ts; :birthdays is BIRTHDAY_CALENDAR ('all' | 'mine').

/** The visibility rule of Kontakte, as joins (r: restriction, f: the viewer's favourite) and a condition. */
const VISIBLE_CONTACTS = (entityKind: 'contact' | 'birthday') => `
  WITH restricted AS (
         SELECT contact_id, bool_or(employee_id = :viewer::bigint) AS allowed
           FROM brokerstar.contact_restriction GROUP BY contact_id),
       favorite AS (SELECT contact_id FROM brokerstar.contact_favorite WHERE employee_id = :viewer::bigint)
  SELECT c.id::text || '${entityKind === 'contact' ? '.vcf' : '.ics'}' AS name, '${entityKind}' AS entity_kind, c.id AS entity_id,
         'full' AS view, e.etag, NULL::text AS rank, count(*) OVER () AS eligible
    FROM brokerstar.contact c
    JOIN dav.entity e ON e.kind = '${entityKind}' AND e.id = c.id
    LEFT JOIN restricted r ON r.contact_id = c.id
    LEFT JOIN favorite f ON f.contact_id = c.id
   WHERE c.deleted_at IS NULL AND NOT c.is_archived
     AND (r.contact_id IS NULL OR r.allowed OR c.advisor_id = :viewer::bigint)`;

/**
 * Meine Kunden: never capped, so an employee always has his own customers on the phone however
 * many contacts the firm has. Bounded by how many contacts he advises plus his favourites.
 */
export const MY_CUSTOMERS = `${VISIBLE_CONTACTS('contact')}
     AND (c.advisor_id = :viewer::bigint OR f.contact_id IS NOT NULL)
   ORDER BY c.id`;

/**
 * Geburtstage: one event per visible contact with a birthday (only those have a 'birthday' entity,
 * render-chunk.ts), all of them or only those he advises; capped like any calendar, his own
 * customers and favourites first.
 */
export const BIRTHDAYS = `${VISIBLE_CONTACTS('birthday')}
     AND (:birthdays::text = 'all' OR c.advisor_id = :viewer::bigint)
   ORDER BY (c.advisor_id IS DISTINCT FROM :viewer::bigint), (f.contact_id IS NULL), c.id
   LIMIT :cap::int`;
