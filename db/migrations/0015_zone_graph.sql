-- The venue as a graph (docs/zone-graph.md): zones joined by gates. A gate's edge says what a
-- crossing means: 'perimeter' (into or out of the venue; entry allowances apply), 'transfer' (from
-- one zone to another), 'attraction' (uses a ride of an attraction; may carry the visitor to another
-- zone, as a ropeway does) and 'checkpoint' (checks validity; consumes and moves nothing).
-- An `in` leads into the gate's zone; an `out` leads into other_zone (NULL: out of the venue).
ALTER TABLE gates ADD COLUMN edge text NOT NULL DEFAULT 'perimeter'
  CHECK (edge IN ('perimeter', 'transfer', 'attraction', 'checkpoint'));
UPDATE gates SET edge = 'transfer' WHERE NOT perimeter;
ALTER TABLE gates ADD COLUMN other_zone_id integer REFERENCES zones(id);
ALTER TABLE gates DROP COLUMN perimeter;
ALTER TABLE gates ADD COLUMN perimeter boolean GENERATED ALWAYS AS (edge = 'perimeter') STORED;

-- Attractions (项目): ropeways, ski lifts, magic carpets, shows and rides, with their gates.
CREATE TABLE attractions (
  id               serial PRIMARY KEY,
  venue_id         integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  code             text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
  name_zh          text NOT NULL,
  name_en          text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('ropeway', 'lift', 'carpet', 'show', 'ride')),
  -- Riders per hour it can carry: utilisation is rides in the last hour against it.
  hourly_capacity  integer NOT NULL CHECK (hourly_capacity > 0),
  opens            time NOT NULL DEFAULT '08:00',
  closes           time NOT NULL DEFAULT '17:30',
  -- Lift anti-passback: the same ticket rides again only after this many minutes (0: no gap).
  ride_gap_min     integer NOT NULL DEFAULT 5 CHECK (ride_gap_min BETWEEN 0 AND 240),
  -- What one ride costs on a points card (点数卡).
  points           integer NOT NULL DEFAULT 0 CHECK (points >= 0),
  sort             integer NOT NULL DEFAULT 0,
  UNIQUE (venue_id, code)
);
ALTER TABLE gates ADD COLUMN attraction_id integer REFERENCES attractions(id);
ALTER TABLE gates ADD CONSTRAINT gates_attraction_edge CHECK ((edge = 'attraction') = (attraction_id IS NOT NULL));

-- A manager's hand on an attraction: closed, or its gates throttled to riders per minute.
CREATE TABLE attraction_controls (
  attraction_id   integer PRIMARY KEY REFERENCES attractions(id) ON DELETE CASCADE,
  closed          boolean NOT NULL DEFAULT false,
  rides_per_min   integer CHECK (rides_per_min > 0),
  note            text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  updated_by      integer
);

-- Attraction entitlements of a ticket type (项目票): rides per attraction (NULL: unlimited within the
-- ticket's validity), the share of the price they stand for (finance), and points cards.
CREATE TABLE ticket_type_rides (
  type_id        integer NOT NULL REFERENCES ticket_types(id) ON DELETE CASCADE,
  attraction_id  integer NOT NULL REFERENCES attractions(id) ON DELETE CASCADE,
  rides          integer CHECK (rides > 0),
  share_fen      integer NOT NULL DEFAULT 0 CHECK (share_fen >= 0),
  PRIMARY KEY (type_id, attraction_id)
);
-- park_entry false: an attraction-only ticket (a ropeway ticket without park entry).
ALTER TABLE ticket_types ADD COLUMN park_entry boolean NOT NULL DEFAULT true;
ALTER TABLE ticket_types ADD COLUMN points integer CHECK (points > 0);
-- Time-of-day validity (夜场票, e.g. 17:00 to 22:00); NULL: the whole day.
ALTER TABLE ticket_types ADD COLUMN hours_from time;
ALTER TABLE ticket_types ADD COLUMN hours_to time;

-- Where a ticket is in the graph and what it used: today's entry inferred at an inner gate (an
-- upload from its perimeter gate confirms it), when it last moved, and the points it spent.
ALTER TABLE tickets ADD COLUMN entry_inferred boolean NOT NULL DEFAULT false;
ALTER TABLE tickets ADD COLUMN moved_at timestamptz;
ALTER TABLE tickets ADD COLUMN points_used integer NOT NULL DEFAULT 0;
CREATE TABLE ticket_rides (
  ticket_id      bigint NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  attraction_id  integer NOT NULL REFERENCES attractions(id) ON DELETE CASCADE,
  rides          integer NOT NULL CHECK (rides >= 0),
  last_ride_at   timestamptz,
  PRIMARY KEY (ticket_id, attraction_id)
);

-- The venue crossings a scan counted ('entry', 'exit', or 'both': an entry with the exit it
-- implies), and which of them was inferred rather than seen at the perimeter.
ALTER TABLE gate_scans ADD COLUMN crossing text CHECK (crossing IN ('entry', 'exit', 'both'));
ALTER TABLE gate_scans ADD COLUMN inferred text CHECK (inferred IN ('entry', 'exit'));
UPDATE gate_scans g SET crossing = CASE WHEN g.direction = 'in' THEN 'entry' ELSE 'exit' END
FROM gates WHERE gates.id = g.gate_id AND gates.edge = 'perimeter' AND g.result = 'admit';

-- Alarms about attractions: a queue forming (utilisation high for a while), gates silent while open,
-- and a ropeway closed with people still up the mountain.
ALTER TABLE alarms DROP CONSTRAINT alarms_subject_kind_check;
ALTER TABLE alarms ADD CONSTRAINT alarms_subject_kind_check CHECK (subject_kind IN ('venue', 'zone', 'gate', 'attraction'));
ALTER TABLE alarms DROP CONSTRAINT alarms_kind_check;
ALTER TABLE alarms ADD CONSTRAINT alarms_kind_check
  CHECK (kind IN ('capacity', 'device_offline', 'offline_conflict', 'reject_rate', 'queue', 'attraction_silent', 'stranded'));
