-- brokerstar-dav's own schema: everything the server stores lives here, never in BrokerStar's
-- tables. This migration: app passwords and the login lockout.
CREATE SCHEMA IF NOT EXISTS dav;

-- App passwords: several per employee (one per device), only an argon2id hash is stored.
CREATE TABLE dav.app_password (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  employee_id   bigint      NOT NULL REFERENCES brokerstar.employee (id) ON DELETE CASCADE,
  label         text        NOT NULL,
  hash          text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  UNIQUE (employee_id, label)
);

-- Failed logins per client address ('ip:…') and per username ('user:…'), shared by all server
-- instances so a lockout holds behind a load balancer.
CREATE TABLE dav.auth_failure (
  key           text        PRIMARY KEY,
  failures      integer     NOT NULL,
  window_start  timestamptz NOT NULL,
  locked_until  timestamptz
);
