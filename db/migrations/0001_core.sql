-- Core model: venues, their zones and gates, the devices and sales channels that connect, the
-- people who sign in, and the append-only audit log.

CREATE TABLE venues (
  id          serial PRIMARY KEY,
  code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{1,31}$'),
  name_zh     text NOT NULL,
  name_en     text NOT NULL,
  timezone    text NOT NULL DEFAULT 'Asia/Shanghai',
  capacity    integer NOT NULL CHECK (capacity >= 0),
  -- The venue plan drawing the map draws on: { image, width, height } in plan units.
  plan        jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Local time at which occupancy counters reset each day.
  day_reset   time NOT NULL DEFAULT '04:00',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE zones (
  id             serial PRIMARY KEY,
  venue_id       integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  code           text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
  name_zh        text NOT NULL,
  name_en        text NOT NULL,
  kind           text NOT NULL DEFAULT 'scenic' CHECK (kind IN ('plaza', 'scenic', 'ropeway', 'hotel', 'service')),
  capacity       integer NOT NULL CHECK (capacity >= 0),
  warn_ratio     real NOT NULL DEFAULT 0.8,
  critical_ratio real NOT NULL DEFAULT 0.95,
  -- Polygon on the venue plan: [[x, y], ...] in plan units.
  polygon        jsonb NOT NULL,
  UNIQUE (venue_id, code),
  CHECK (warn_ratio > 0 AND warn_ratio < critical_ratio AND critical_ratio <= 1.5)
);

CREATE TABLE gates (
  id         serial PRIMARY KEY,
  venue_id   integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  zone_id    integer NOT NULL REFERENCES zones(id),
  code       text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,15}$'),
  name_zh    text NOT NULL,
  name_en    text NOT NULL,
  direction  text NOT NULL CHECK (direction IN ('in', 'out', 'both')),
  kind       text NOT NULL DEFAULT 'turnstile' CHECK (kind IN ('turnstile', 'handheld')),
  -- Position on the venue plan: [x, y] in plan units.
  position   jsonb NOT NULL,
  UNIQUE (venue_id, code)
);
CREATE INDEX gates_zone_idx ON gates (zone_id);

CREATE TABLE devices (
  id               serial PRIMARY KEY,
  gate_id          integer NOT NULL REFERENCES gates(id),
  -- sha256 of the bearer token; the token itself is shown once and never stored.
  token_hash       bytea NOT NULL UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  revoked_at       timestamptz,
  connected_at     timestamptz,
  disconnected_at  timestamptz,
  last_seen_at     timestamptz,
  -- Instance that holds the device's socket, so a crashed instance's devices age out.
  instance_id      text,
  last_queue       integer,
  last_battery     integer
);
CREATE INDEX devices_gate_idx ON devices (gate_id);

CREATE TABLE channels (
  id          serial PRIMARY KEY,
  venue_id    integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  code        text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{1,31}$'),
  name        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('online', 'ota', 'window', 'kiosk')),
  token_hash  bytea UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  UNIQUE (venue_id, code)
);

CREATE TABLE users (
  id             serial PRIMARY KEY,
  email          text NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
  name           text NOT NULL DEFAULT '',
  password_hash  text NOT NULL,
  role           text NOT NULL CHECK (role IN ('admin', 'manager', 'operator', 'frontdesk', 'finance')),
  -- true: every venue of the installation (a tourism group's head office); otherwise user_venues.
  all_venues     boolean NOT NULL DEFAULT false,
  disabled_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_venues (
  user_id   integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  venue_id  integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, venue_id)
);

CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor_kind   text NOT NULL CHECK (actor_kind IN ('user', 'cli', 'system', 'policy')),
  actor_id     integer,
  actor_label  text NOT NULL,
  action       text NOT NULL,
  venue_id     integer,
  subject_kind text NOT NULL,
  subject_id   text,
  before       jsonb,
  after        jsonb,
  reason       text
);
CREATE INDEX audit_log_venue_at_idx ON audit_log (venue_id, at DESC);

-- The audit log is append-only for everyone who connects, the app included: corrections are new rows.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
