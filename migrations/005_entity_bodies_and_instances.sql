-- Two speed-ups of the rendered items (dav.entity), kept apart from the metadata:
-- 1. The served texts move to dav.entity_body: a collection refresh scans dav.entity for thousands
--    of rows, and vCards with photos inline made it many times wider (and slower to scan).
-- 2. The instances of each appointment are stored in dav.occurrence, so a time-range
--    calendar-query is answered in SQL without parsing a single object (RFC 4791 §9.9).
-- ETags, sync tokens and members stay as they are: no client downloads anything again.

CREATE TABLE dav.entity_body (
  kind         text   NOT NULL,
  id           bigint NOT NULL,
  body         text   NOT NULL,
  -- Contacts: the vCard 4.0 form, for clients that ask for it.
  body_v4      text,
  -- Private appointments: the busy block per viewer language ({de: text, fr: text, …}).
  busy_bodies  jsonb,
  PRIMARY KEY (kind, id),
  FOREIGN KEY (kind, id) REFERENCES dav.entity (kind, id) ON DELETE CASCADE
);

INSERT INTO dav.entity_body (kind, id, body, body_v4, busy_bodies)
SELECT kind, id, body, body_v4,
       (SELECT jsonb_object_agg(lang, v ->> 'body') FROM jsonb_each(busy -> 'views') AS x(lang, v))
  FROM dav.entity;

-- dav.entity.busy keeps what membership queries scan: {hash, sequence, changedAt, views: {de: {etag, size}}}.
UPDATE dav.entity
   SET busy = jsonb_set(busy, '{views}',
                        coalesce((SELECT jsonb_object_agg(lang, v - 'body') FROM jsonb_each(busy -> 'views') AS x(lang, v)), '{}'))
 WHERE busy IS NOT NULL;

ALTER TABLE dav.entity
  DROP COLUMN body,
  DROP COLUMN body_v4,
  DROP COLUMN span_exact,
  -- Appointments: dav.occurrence holds every instance overlapping [occ_from, occ_until) (NULL =
  -- unbounded on that side); date_zone is set when the instants were read from DATE values in
  -- that zone (all-day), so they hold only for calendars in the same zone.
  ADD COLUMN occ_from  timestamptz,
  ADD COLUMN occ_until timestamptz,
  ADD COLUMN date_zone text;

-- The instances of each appointment (overrides at their own times, cancelled ones left out).
CREATE TABLE dav.occurrence (
  kind       text        NOT NULL DEFAULT 'appointment' CHECK (kind = 'appointment'),
  entity_id  bigint      NOT NULL,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  FOREIGN KEY (kind, entity_id) REFERENCES dav.entity (kind, id) ON DELETE CASCADE
);
CREATE INDEX occurrence_entity ON dav.occurrence (entity_id, starts_at);

-- Appointments rendered before this migration have no instances yet. An empty date_zone never
-- equals a calendar's zone, so time-range queries re-check their bodies until the server's first
-- upkeep after the start (ChangePump.moveInstanceWindows) has stored their instances.
UPDATE dav.entity SET date_zone = '' WHERE kind = 'appointment';
