-- How an employee's client shows a collection (issue 16): the colour and order iOS, macOS and
-- Outlook set with PROPPATCH of Apple's calendar-color / calendar-order. Per employee and
-- collection key (any kind of collection: own, a colleague's calendar, birthdays, ...). Display
-- only: no sync token, ETag or ctag moves when one changes, and BrokerStar never sees them.
CREATE TABLE dav.collection_preference (
  employee_id    bigint      NOT NULL REFERENCES brokerstar.employee (id) ON DELETE CASCADE,
  collection_key text        NOT NULL CHECK (length(collection_key) <= 200),
  -- #RRGGBBAA, upper case; null = the server's default colour
  color          text        CHECK (color ~ '^#[0-9A-F]{8}$'),
  -- Apple's calendar-order; null = none
  sort_order     integer     CHECK (sort_order >= 0),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (employee_id, collection_key)
);
