-- Tickets, quotas, orders and the two event streams (gate scans, sales) with their live counters.

ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_kind_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_kind_check CHECK (actor_kind IN ('user', 'cli', 'system', 'policy', 'channel', 'device'));

-- Default per-date quota (tickets sellable for one visit date); NULL means the venue capacity.
ALTER TABLE venues ADD COLUMN daily_quota integer CHECK (daily_quota >= 0);

CREATE TABLE holidays (
  venue_id  integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  day       date NOT NULL,
  name_zh   text NOT NULL DEFAULT '',
  name_en   text NOT NULL DEFAULT '',
  PRIMARY KEY (venue_id, day)
);

-- Time slots offered every day (分时预约); materialised into quotas per date on first use.
CREATE TABLE slot_templates (
  venue_id  integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  starts    time NOT NULL,
  ends      time NOT NULL,
  capacity  integer NOT NULL CHECK (capacity >= 0),
  PRIMARY KEY (venue_id, starts),
  CHECK (ends > starts)
);

-- Sellable places: one row per (venue, date) and one per (venue, date, slot). Every ticket type that
-- draws on a quota shares it. sold may exceed capacity only when capacity is reduced after sales.
CREATE TABLE quotas (
  id          bigserial PRIMARY KEY,
  venue_id    integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  day         date NOT NULL,
  slot_start  time,
  slot_end    time,
  capacity    integer NOT NULL CHECK (capacity >= 0),
  sold        integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
  closed      boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX quotas_day_uq ON quotas (venue_id, day) WHERE slot_start IS NULL;
CREATE UNIQUE INDEX quotas_slot_uq ON quotas (venue_id, day, slot_start) WHERE slot_start IS NOT NULL;

CREATE TABLE ticket_types (
  id                   serial PRIMARY KEY,
  venue_id             integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  code                 text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
  name_zh              text NOT NULL,
  name_en              text NOT NULL,
  category             text NOT NULL DEFAULT 'adult' CHECK (category IN ('adult', 'child', 'senior', 'student', 'family', 'other')),
  -- Prices in fen (1/100 CNY) by day kind; NULL weekend/holiday prices fall back to the weekday price.
  price_fen            integer NOT NULL CHECK (price_fen >= 0),
  weekend_price_fen    integer CHECK (weekend_price_fen >= 0),
  holiday_price_fen    integer CHECK (holiday_price_fen >= 0),
  -- 'date': valid on the visit date; 'range': visit date + valid_days - 1; 'season': season_from..season_to.
  validity             text NOT NULL DEFAULT 'date' CHECK (validity IN ('date', 'range', 'season')),
  valid_days           integer NOT NULL DEFAULT 1 CHECK (valid_days BETWEEN 1 AND 366),
  season_from          date,
  season_to            date,
  -- 'single': one entry in all; 'multi': re-entry allowed (after an exit when anti_passback).
  entry_policy         text NOT NULL DEFAULT 'single' CHECK (entry_policy IN ('single', 'multi')),
  anti_passback        boolean NOT NULL DEFAULT true,
  max_entries_per_day  integer CHECK (max_entries_per_day >= 1),
  slot_required        boolean NOT NULL DEFAULT false,
  -- A slot ticket admits from this many minutes before its slot starts until the slot ends.
  entry_window_before_min integer NOT NULL DEFAULT 15 CHECK (entry_window_before_min BETWEEN 0 AND 720),
  -- Zones this ticket admits into; NULL means every zone.
  allowed_zone_ids     integer[],
  -- A bundle (套票) is sold as one item and issues a ticket per component: [{ "type": "CODE", "qty": 1 }].
  bundle               jsonb,
  draws_day_quota      boolean NOT NULL DEFAULT true,
  active               boolean NOT NULL DEFAULT true,
  sort                 integer NOT NULL DEFAULT 0,
  UNIQUE (venue_id, code),
  CHECK (validity <> 'season' OR (season_from IS NOT NULL AND season_to IS NOT NULL AND season_to >= season_from))
);

CREATE TABLE orders (
  id                bigserial PRIMARY KEY,
  venue_id          integer NOT NULL REFERENCES venues(id),
  channel_id        integer NOT NULL REFERENCES channels(id),
  ref               text NOT NULL,
  -- sha256 of the canonical request: the same ref with another body is an idempotency mismatch.
  request_hash      text NOT NULL,
  response          jsonb,
  amount_fen        bigint NOT NULL,
  customer_name     text,
  customer_phone    text,
  -- ID-card number: AES-GCM ciphertext, keyed blind index for look-up, masked form for display.
  id_number_enc     bytea,
  id_number_bidx    bytea,
  id_number_masked  text,
  paid_at           timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel_id, ref)
);
CREATE INDEX orders_id_bidx ON orders (id_number_bidx) WHERE id_number_bidx IS NOT NULL;

CREATE TABLE tickets (
  id               bigserial PRIMARY KEY,
  order_id         bigint NOT NULL REFERENCES orders(id),
  venue_id         integer NOT NULL REFERENCES venues(id),
  type_id          integer NOT NULL REFERENCES ticket_types(id),
  bundle_type_id   integer REFERENCES ticket_types(id),
  -- 一票一码: 128 random bits, base32; the code is the bearer credential.
  code             text NOT NULL UNIQUE,
  visit_date       date NOT NULL,
  valid_from       date NOT NULL,
  valid_to         date NOT NULL,
  slot_start       time,
  slot_end         time,
  -- Quotas this ticket drew on, given back on refund.
  quota_ids        bigint[] NOT NULL DEFAULT '{}',
  price_fen        integer NOT NULL,
  status           text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'refunded')),
  refunded_at      timestamptz,
  entries          integer NOT NULL DEFAULT 0,
  entries_on_day   integer NOT NULL DEFAULT 0,
  entries_day      date,
  inside           boolean NOT NULL DEFAULT false,
  zone_id          integer,
  first_entry_at   timestamptz,
  last_scan_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_order_idx ON tickets (order_id);

-- Idempotency of device scans by (device, scan id): a replay returns the stored answer.
CREATE TABLE scan_requests (
  device_id     integer NOT NULL,
  scan_id       text NOT NULL,
  request_hash  text NOT NULL,
  response      jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, scan_id)
);

-- People in each zone now, per business day (the key changes at the venue's daily reset).
CREATE TABLE occupancy (
  zone_id  integer NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
  day      date NOT NULL,
  count    integer NOT NULL DEFAULT 0 CHECK (count >= 0),
  PRIMARY KEY (zone_id, day)
);

-- Today's totals per venue, updated in the same transaction as the events they count.
CREATE TABLE daily_counters (
  venue_id     integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  day          date NOT NULL,
  entries      integer NOT NULL DEFAULT 0,
  exits        integer NOT NULL DEFAULT 0,
  rejects      integer NOT NULL DEFAULT 0,
  conflicts    integer NOT NULL DEFAULT 0,
  sold         integer NOT NULL DEFAULT 0,
  refunded     integer NOT NULL DEFAULT 0,
  revenue_fen  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (venue_id, day)
);

-- Every scan, admitted or rejected, online or uploaded after an outage.
CREATE TABLE gate_scans (
  at           timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  venue_id     integer NOT NULL,
  zone_id      integer NOT NULL,
  gate_id      integer NOT NULL,
  device_id    integer NOT NULL,
  scan_id      text NOT NULL,
  ticket_id    bigint,
  type_id      integer,
  direction    text NOT NULL CHECK (direction IN ('in', 'out')),
  result       text NOT NULL CHECK (result IN ('admit', 'reject')),
  reason       text,
  offline      boolean NOT NULL DEFAULT false,
  conflict     boolean NOT NULL DEFAULT false
);
CREATE INDEX gate_scans_gate_at_idx ON gate_scans (gate_id, at DESC);
CREATE INDEX gate_scans_ticket_idx ON gate_scans (ticket_id, at DESC) WHERE ticket_id IS NOT NULL;

-- Every sale and refund, one row per ticket type in an order.
CREATE TABLE sales_events (
  at          timestamptz NOT NULL,
  venue_id    integer NOT NULL,
  channel_id  integer NOT NULL,
  order_id    bigint NOT NULL,
  type_id     integer NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('sale', 'refund')),
  qty         integer NOT NULL,
  amount_fen  bigint NOT NULL,
  visit_date  date NOT NULL
);
CREATE INDEX sales_events_venue_at_idx ON sales_events (venue_id, at DESC);
