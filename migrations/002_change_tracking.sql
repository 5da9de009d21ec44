-- Change tracking: BrokerStar writes its tables directly and does not always set updated_at, so
-- statement-level triggers on every served table log which contact, task or appointment was
-- touched. The server consumes the log (dav.change_log), re-renders what was touched, and keeps
-- per collection the served members with their ETags and a sequence number (dav.member), from
-- which sync tokens, getctag and sync-collection answers are made.
-- Nothing here changes BrokerStar's tables or columns; it adds triggers only. See README
-- "Change tracking" for how to remove them.

-- What BrokerStar touched, not yet consumed. Rows are deleted when the server has processed them,
-- so an uncommitted BrokerStar transaction's rows are simply picked up by a later pass.
CREATE TABLE dav.change_log (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- contact | photo | task | appointment | employee | share | all (after TRUNCATE)
  kind       text        NOT NULL,
  entity_id  bigint      NOT NULL,
  logged_at  timestamptz NOT NULL DEFAULT now()
);

-- One generic function per event; TG_ARGV = (kind, id column). Statement-level with transition
-- tables: a bulk import of 20,000 rows costs one INSERT … SELECT, not 20,000. SECURITY DEFINER:
-- they run as the role that owns schema dav, so BrokerStar's own database role needs no grant on
-- it and its writes can never fail because of the server.
CREATE FUNCTION dav.log_inserted() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  EXECUTE format('INSERT INTO dav.change_log (kind, entity_id) SELECT DISTINCT %L, %I FROM new_rows WHERE %I IS NOT NULL',
                 TG_ARGV[0], TG_ARGV[1], TG_ARGV[1]);
  RETURN NULL;
END $$;

CREATE FUNCTION dav.log_updated() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- Old and new id: a phone moved to another contact changes both contacts.
  EXECUTE format('INSERT INTO dav.change_log (kind, entity_id)
                  SELECT DISTINCT %L, x FROM (SELECT %I AS x FROM old_rows UNION SELECT %I FROM new_rows) s
                   WHERE x IS NOT NULL',
                 TG_ARGV[0], TG_ARGV[1], TG_ARGV[1]);
  RETURN NULL;
END $$;

CREATE FUNCTION dav.log_deleted() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  EXECUTE format('INSERT INTO dav.change_log (kind, entity_id) SELECT DISTINCT %L, %I FROM old_rows WHERE %I IS NOT NULL',
                 TG_ARGV[0], TG_ARGV[1], TG_ARGV[1]);
  RETURN NULL;
END $$;

CREATE FUNCTION dav.log_truncated() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO dav.change_log (kind, entity_id) VALUES ('all', 0);
  RETURN NULL;
END $$;

DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('employee',                'employee',    'id'),
      ('contact',                 'contact',     'id'),
      ('contact_phone',           'contact',     'contact_id'),
      ('contact_email',           'contact',     'contact_id'),
      ('contact_address',         'contact',     'contact_id'),
      ('contact_photo',           'photo',       'contact_id'),
      ('contact_category',        'contact',     'contact_id'),
      ('contact_restriction',     'contact',     'contact_id'),
      ('contact_favorite',        'contact',     'contact_id'),
      ('task',                    'task',        'id'),
      ('appointment',             'appointment', 'id'),
      ('appointment_exception',   'appointment', 'appointment_id'),
      ('appointment_participant', 'appointment', 'appointment_id'),
      ('calendar_share',          'share',       'viewer_id')
    ) AS v(tbl, kind, col)
  LOOP
    EXECUTE format('CREATE TRIGGER dav_log_insert AFTER INSERT ON brokerstar.%I REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION dav.log_inserted(%L, %L)', t.tbl, t.kind, t.col);
    EXECUTE format('CREATE TRIGGER dav_log_update AFTER UPDATE ON brokerstar.%I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION dav.log_updated(%L, %L)', t.tbl, t.kind, t.col);
    EXECUTE format('CREATE TRIGGER dav_log_delete AFTER DELETE ON brokerstar.%I REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION dav.log_deleted(%L, %L)', t.tbl, t.kind, t.col);
    EXECUTE format('CREATE TRIGGER dav_log_truncate AFTER TRUNCATE ON brokerstar.%I
                    FOR EACH STATEMENT EXECUTE FUNCTION dav.log_truncated()', t.tbl);
  END LOOP;
END $$;

-- Everything that exists before the triggers did is rendered on the first pass.
INSERT INTO dav.change_log (kind, entity_id) VALUES ('all', 0);

-- The rendered representation of each contact, task and appointment, with the stamps the server
-- keeps (LAST-MODIFIED, SEQUENCE): BrokerStar's own updated_at is only a hint.
CREATE TABLE dav.entity (
  kind               text        NOT NULL CHECK (kind IN ('contact', 'task', 'appointment')),
  id                 bigint      NOT NULL,
  -- Hash of the representation rendered with neutral stamps: equal hash = nothing served changed.
  content_hash       text        NOT NULL,
  sequence           integer     NOT NULL DEFAULT 0,
  -- When the served content last changed (or was re-announced): LAST-MODIFIED, REV, DTSTAMP.
  changed_at         timestamptz NOT NULL,
  -- When BrokerStar's data last changed as far as the server saw (the cap's "recently changed").
  content_changed_at timestamptz NOT NULL,
  etag               text        NOT NULL,
  body               text        NOT NULL,
  size               integer     NOT NULL,       -- octets of body (listings need it without the body)
  -- Contacts: the vCard 4.0 form, for clients that ask for it.
  body_v4            text,
  -- Private appointments: what colleagues see ({hash, sequence, changedAt, views: {de: {etag, body, size}, …}}).
  busy               jsonb,
  -- Appointments: first start and last end over all occurrences (NULL end = unbounded series).
  range_start        timestamptz,
  range_end          timestamptz,
  -- True when [range_start, range_end) is exactly the one occurrence (a timed, non-recurring
  -- appointment): a time-range query is then answered in SQL without parsing the object.
  span_exact         boolean     NOT NULL DEFAULT false,
  -- A re-announcement waits until this time (after a refused or server-modified write).
  reannounce_due     timestamptz,
  reannounced_at     timestamptz,
  PRIMARY KEY (kind, id)
);
CREATE INDEX entity_reannounce_due ON dav.entity (reannounce_due) WHERE reannounce_due IS NOT NULL;

-- Downscaled contact photos, keyed by a hash of BrokerStar's original so each is scaled once.
CREATE TABLE dav.photo (
  contact_id   bigint PRIMARY KEY,
  source_hash  text   NOT NULL,
  jpeg         bytea           -- NULL: the original could not be decoded
);

-- Bumped when a kind of data changed, so collections know whether to recompute their members.
CREATE SEQUENCE dav.generation_seq;
CREATE TABLE dav.generation (
  scope  text   PRIMARY KEY CHECK (scope IN ('contact', 'task', 'appointment')),
  value  bigint NOT NULL
);
INSERT INTO dav.generation (scope, value) VALUES ('contact', 0), ('task', 0), ('appointment', 0);

-- One row per collection ever served: its token position and what the last recompute saw.
CREATE TABLE dav.collection (
  key              text        PRIMARY KEY,       -- contacts:12, events:12, tasks:12, shared:12:7 (viewer:owner)
  epoch            text        NOT NULL,          -- random, part of every sync token of this collection
  seq              bigint      NOT NULL DEFAULT 0,-- the current sync position
  min_seq          bigint      NOT NULL DEFAULT 0,-- tokens older than this were pruned
  seen_generation  bigint      NOT NULL DEFAULT -1,
  settings         text        NOT NULL DEFAULT '',
  refreshed_on     date,
  eligible         integer     NOT NULL DEFAULT 0,
  served           integer     NOT NULL DEFAULT 0,
  capped           boolean     NOT NULL DEFAULT false,
  changed_at       timestamptz NOT NULL DEFAULT now(),
  refreshed_at     timestamptz
);

-- Members of each collection: present ones carry their ETag, removed ones (etag NULL) stay as
-- tombstones for SYNC_RETENTION_DAYS so old tokens still learn about the removal.
CREATE SEQUENCE dav.member_seq;
CREATE TABLE dav.member (
  collection   text        NOT NULL REFERENCES dav.collection (key) ON DELETE CASCADE,
  name         text        NOT NULL,
  entity_kind  text        NOT NULL,
  entity_id    bigint      NOT NULL,
  view         text        NOT NULL CHECK (view IN ('full', 'busy')),
  etag         text,
  seq          bigint      NOT NULL,
  changed_at   timestamptz NOT NULL,
  PRIMARY KEY (collection, name)
);
CREATE INDEX member_changes ON dav.member (collection, seq);
CREATE INDEX member_entity ON dav.member (entity_kind, entity_id);
