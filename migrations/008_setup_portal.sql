-- The setup portal (/setup/): who is signed in, one-time sign-in links, sign-in attempts for the
-- rate limits, and an OpenID Connect sign-in in flight. All in PostgreSQL so every instance shares
-- them. App passwords learn the kind of device they were made for and the last address they came from.

ALTER TABLE dav.app_password
  ADD COLUMN kind         text NOT NULL DEFAULT 'other',
  ADD COLUMN last_address text;

-- A signed-in employee. The cookie holds a random id; only its SHA-256 is stored.
CREATE TABLE dav.portal_session (
  id_hash      bytea       PRIMARY KEY,
  employee_id  bigint      NOT NULL REFERENCES brokerstar.employee (id) ON DELETE CASCADE,
  method       text        NOT NULL CHECK (method IN ('email', 'oidc', 'enrolment', 'demo')),
  csrf_secret  text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX portal_session_employee ON dav.portal_session (employee_id);

-- A link that signs in once: mailed (valid minutes) or handed out by the administrator (days).
CREATE TABLE dav.sign_in_link (
  token_hash  bytea       PRIMARY KEY,
  employee_id bigint      NOT NULL REFERENCES brokerstar.employee (id) ON DELETE CASCADE,
  purpose     text        NOT NULL CHECK (purpose IN ('email', 'enrolment')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX sign_in_link_employee ON dav.sign_in_link (employee_id);

-- Sign-in requests per bucket ('address:...', 'user:...', 'ip:...'), counted over a window.
CREATE TABLE dav.sign_in_attempt (
  bucket text        NOT NULL,
  at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_attempt_bucket ON dav.sign_in_attempt (bucket, at);

-- An OpenID Connect authorization request in flight: state, nonce and PKCE verifier, kept until
-- the provider sends the employee back (minutes), whichever instance receives him.
CREATE TABLE dav.oidc_flow (
  state_hash    bytea       PRIMARY KEY,
  nonce         text        NOT NULL,
  code_verifier text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Employees type "Anna.Meier" on phones and sign in by e-mail address: both are looked up case-insensitively.
CREATE INDEX IF NOT EXISTS dav_employee_lower_username ON brokerstar.employee (lower(username));
CREATE INDEX IF NOT EXISTS dav_employee_lower_email ON brokerstar.employee (lower(email));
