-- Remote supervisor approval (远程主管授权, issue 11 "Live"): a desk asks for an override of a gate
-- rule for one ticket at one gate and direction; a supervisor of the venue approves or denies it from
-- their own screen; an approval admits once, for the desk that asked, within a few minutes.
-- Lifecycle (server/services/override-requests.ts holds the table of transitions):
--   pending -> approved -> used
--   pending -> denied | cancelled (the desk withdrew it) | expired (nobody answered in time)
--   approved -> expired (not used in time)
-- Each transition is one guarded UPDATE (WHERE state = <from>), so of two supervisors deciding at
-- once, or a desk using an approval twice at once, one wins.
CREATE TABLE override_requests (
  id               bigserial PRIMARY KEY,
  venue_id         integer NOT NULL REFERENCES venues(id),
  ticket_id        bigint NOT NULL REFERENCES tickets(id),
  gate_id          integer NOT NULL REFERENCES gates(id),
  direction        text NOT NULL CHECK (direction IN ('in', 'out')),
  -- The same reason codes as an override with credentials typed at the desk (lib/schemas/front-desk.ts).
  reason           text NOT NULL CHECK (reason IN
                     ('staff_error', 'device_fault', 'assistance', 'vip', 'group_leader', 'emergency', 'other')),
  note             text CHECK (length(note) <= 500),
  -- Why the gates refused the ticket when the desk asked (a scan reason), shown to the supervisor.
  refusal          text,
  requested_by     integer NOT NULL REFERENCES users(id),
  requested_at     timestamptz NOT NULL DEFAULT now(),
  state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'approved', 'denied', 'used', 'expired', 'cancelled')),
  -- A pending request must be answered, and an approval used, before this.
  expires_at       timestamptz NOT NULL,
  decided_by       integer REFERENCES users(id),
  decided_at       timestamptz,
  decision_note    text CHECK (length(decision_note) <= 500),
  used_at          timestamptz,
  -- The desk's admission request id that used the approval: a retry of that admission uses it again.
  used_by_request  text,
  CHECK ((decided_by IS NULL) = (decided_at IS NULL)),
  CHECK (state NOT IN ('approved', 'denied', 'used') OR decided_at IS NOT NULL),
  CHECK (state <> 'pending' OR decided_at IS NULL),
  CHECK ((state = 'used') = (used_at IS NOT NULL)),
  CHECK ((used_at IS NULL) = (used_by_request IS NULL))
);
-- The supervisors' list: a venue's pending requests, oldest first.
CREATE INDEX override_requests_pending_idx ON override_requests (venue_id, requested_at) WHERE state = 'pending';
-- A desk asking again for the same ticket, gate and direction gets its pending request back.
CREATE UNIQUE INDEX override_requests_pending_uq
  ON override_requests (requested_by, ticket_id, gate_id, direction) WHERE state = 'pending';
-- The expiry sweep (every instance, every few seconds) reads only what is still open.
CREATE INDEX override_requests_open_idx ON override_requests (expires_at) WHERE state IN ('pending', 'approved');
