-- Address books refresh incrementally: when BrokerStar changed a few contacts, only those are
-- re-checked against each address book instead of ranking every contact the employee may see
-- (92 ms of PostgreSQL per address book at 18,000 contacts, per change, per employee).
-- ETags, sync tokens and members stay as they are.

-- Each member's place in the cap order (a text that sorts like the order, unique per member), so
-- the last served member (the cap boundary) and the ones a newcomer pushes out are found by index.
ALTER TABLE dav.member ADD COLUMN rank text COLLATE "C";
CREATE INDEX member_rank ON dav.member (collection, rank) WHERE etag IS NOT NULL AND rank IS NOT NULL;

-- Which items each pump pass touched, per generation it bumped (ids NULL: everything, or too many
-- to be worth an incremental refresh). Kept for a week; a collection that saw a generation older
-- than logged_since recomputes in full.
CREATE TABLE dav.generation_log (
  scope       text        NOT NULL,
  generation  bigint      NOT NULL,
  ids         bigint[],
  logged_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, generation)
);
ALTER TABLE dav.generation ADD COLUMN logged_since bigint;
-- The generation whose touched items were logged: the pump sets it together with `value`. A bump
-- that leaves it behind (a server of an older version still running during an upgrade) was not
-- logged: the trigger moves logged_since past it, so every collection recomputes in full.
ALTER TABLE dav.generation ADD COLUMN logged_value bigint;
UPDATE dav.generation SET logged_since = value, logged_value = value;
ALTER TABLE dav.generation ALTER COLUMN logged_since SET NOT NULL;

CREATE FUNCTION dav.generation_unlogged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.value IS DISTINCT FROM OLD.value AND NEW.logged_value IS DISTINCT FROM NEW.value THEN
    NEW.logged_since := NEW.value;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER generation_unlogged BEFORE UPDATE ON dav.generation
  FOR EACH ROW EXECUTE FUNCTION dav.generation_unlogged();

-- After an incremental refresh of a capped address book, how many contacts the employee may see
-- is known only as a lower bound (a touched contact beyond the cap may or may not have been
-- visible before); `brokerstar-dav status` recomputes in full to show the exact number.
ALTER TABLE dav.collection ADD COLUMN eligible_exact boolean NOT NULL DEFAULT true;
