-- Rate-limit controls (限流), capacity alarms (客流预警) and the automatic crowd policies.

-- Per channel: orders per minute (NULL: the installation default) and a pause.
ALTER TABLE channels ADD COLUMN orders_per_min integer CHECK (orders_per_min > 0);
ALTER TABLE channels ADD COLUMN paused boolean NOT NULL DEFAULT false;
-- Per gate: admissions per minute (NULL: unlimited) and closing it for entry.
ALTER TABLE gates ADD COLUMN admissions_per_min integer CHECK (admissions_per_min > 0);
ALTER TABLE gates ADD COLUMN closed boolean NOT NULL DEFAULT false;
-- Per zone: an entry cap below the legal capacity (NULL: the capacity).
ALTER TABLE zones ADD COLUMN entry_cap integer CHECK (entry_cap >= 0);

-- One open alarm per (subject, kind); severity rises and falls while it is open.
CREATE TABLE alarms (
  id              bigserial PRIMARY KEY,
  venue_id        integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  subject_kind    text NOT NULL CHECK (subject_kind IN ('venue', 'zone', 'gate')),
  subject_id      integer NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('capacity', 'device_offline', 'offline_conflict', 'reject_rate')),
  severity        text NOT NULL CHECK (severity IN ('warning', 'critical')),
  state           text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'acknowledged', 'cleared')),
  value           real,
  threshold       real,
  opened_at       timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  acked_at        timestamptz,
  acked_by        integer,
  acked_by_label  text,
  ack_note        text,
  escalated_at    timestamptz,
  cleared_at      timestamptz
);
CREATE UNIQUE INDEX alarms_open_uq ON alarms (subject_kind, subject_id, kind) WHERE state <> 'cleared';
CREATE INDEX alarms_venue_idx ON alarms (venue_id, opened_at DESC);

-- Hold-down: a condition must hold this long before an alarm opens, changes or clears.
CREATE TABLE alarm_watch (
  subject_kind  text NOT NULL,
  subject_id    integer NOT NULL,
  kind          text NOT NULL,
  level         text NOT NULL CHECK (level IN ('none', 'warning', 'critical')),
  since         timestamptz NOT NULL,
  PRIMARY KEY (subject_kind, subject_id, kind)
);

-- What an automatic policy did, so it can be undone when the zone clears (unless a person took over).
CREATE TABLE policy_actions (
  id           bigserial PRIMARY KEY,
  venue_id     integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  zone_id      integer NOT NULL,
  action       text NOT NULL CHECK (action IN ('close_gate', 'pause_online_sales')),
  target_id    integer,
  started_at   timestamptz NOT NULL DEFAULT now(),
  ended_at     timestamptz,
  overridden   boolean NOT NULL DEFAULT false
);
CREATE INDEX policy_actions_open_idx ON policy_actions (venue_id) WHERE ended_at IS NULL;
