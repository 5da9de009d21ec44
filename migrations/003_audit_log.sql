-- The audit log: every write a client made through the server, accepted or refused, with who,
-- which client, which resource and what changed (or why it was refused).
CREATE TABLE dav.audit_log (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  employee_id  bigint,
  username     text,
  user_agent   text,
  method       text        NOT NULL,
  resource     text        NOT NULL,
  outcome      text        NOT NULL CHECK (outcome IN ('accepted', 'refused')),
  status       integer     NOT NULL,
  -- refusals: the message key (e.g. delete-task); accepted writes: what kind of edit
  reason       text,
  -- accepted writes: [{field, old, new}]
  changes      jsonb
);
CREATE INDEX audit_log_at ON dav.audit_log (at);
CREATE INDEX audit_log_employee ON dav.audit_log (employee_id, at);
