-- WebDAV-Push (docs/webdav-push.md): the Web Push subscriptions phones register on collections,
-- and the server's VAPID key pair and topic secret, generated once and shared by every instance.

-- One row, inserted by whichever instance needs it first (INSERT … ON CONFLICT DO NOTHING, then
-- read): instances starting together agree on one key pair.
CREATE TABLE dav.push_key (
  id            boolean     PRIMARY KEY DEFAULT true CHECK (id),
  -- VAPID (RFC 8292): P-256, base64url (public uncompressed, private the raw scalar).
  vapid_public  text        NOT NULL,
  vapid_private text        NOT NULL,
  -- HMAC key of the topics: a topic names a collection without revealing which one.
  topic_secret  bytea       NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- A subscription: one push resource (endpoint) on one collection of one employee, made with one
-- app password and removed with it. Registering the same endpoint again updates the row.
CREATE TABLE dav.push_subscription (
  id              text        PRIMARY KEY,
  employee_id     bigint      NOT NULL REFERENCES brokerstar.employee (id) ON DELETE CASCADE,
  app_password_id bigint      NOT NULL REFERENCES dav.app_password (id) ON DELETE CASCADE,
  collection_key  text        NOT NULL,
  endpoint        text        NOT NULL,
  -- RFC 8291: the user agent's P-256 public key (65 bytes) and auth secret (16 bytes), base64url.
  p256dh          text        NOT NULL,
  auth_secret     text        NOT NULL,
  expires_at      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- What the dispatcher last sent (or, at registration, the token the collection had then).
  last_token      text,
  last_sent_at    timestamptz,
  -- Consecutive failed deliveries (not 404/410, which drop the row at once).
  failures        integer     NOT NULL DEFAULT 0,
  UNIQUE (collection_key, endpoint)
);
CREATE INDEX push_subscription_employee ON dav.push_subscription (employee_id);
CREATE INDEX push_subscription_app_password ON dav.push_subscription (app_password_id);
CREATE INDEX push_subscription_expires ON dav.push_subscription (expires_at);
