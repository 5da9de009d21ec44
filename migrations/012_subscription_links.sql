-- Private subscription links (docs/subscription-links.md): a secret URL that serves one of an
-- employee's calendars as an .ics without a password, for clients that cannot send one (Outlook's
-- "from the internet", Google Calendar, a wall display). The URL holds 128 random bits; only their
-- SHA-256 is stored, so the URL is shown once, when the link is made.
CREATE TABLE dav.subscription_link (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash   bytea       NOT NULL UNIQUE,
  employee_id  bigint      NOT NULL REFERENCES brokerstar.employee (id) ON DELETE CASCADE,
  -- The calendar's path segment in the employee's home: 'termine' or 'termine-<colleague>'.
  calendar     text        NOT NULL,
  label        text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Moved on at most once an hour (with an audit row then), so polling every few minutes writes nothing.
  last_used_at timestamptz,
  last_address text,
  UNIQUE (employee_id, label)
);
