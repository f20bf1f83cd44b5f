-- The hotel (issue 13): the lodge's rooms, reservations, stays and folios on the park's own data.
-- A reservation is an order (orders, with its channel: the hotel desk's window for walk-in and
-- phone, an OTA's channel later), its payments are payments rows (method, terminal reference, the
-- desk's open shift) and a package's park tickets are tickets rows linked to the stay: one guest,
-- one phone number, one data set. docs/hotel.md explains the model and its rules.
--
-- Never oversold, enforced here rather than only in the service:
--   - room_inventory holds, per room type and night, the rooms booked at type level; a booking takes
--     every night with one conditional UPDATE per night (booked + 1 <= rooms - out of order), so
--     concurrent bookings serialise on the row lock and the last room is sold once;
--   - room_assignments carries an exclusion constraint over (room, nights): a physical room is never
--     given to two stays for the same night, whatever two desks do at once;
--   - folio_lines allows one room charge per stay and night, and night_audits one audit per hotel
--     and business date, so two instances running the night audit at once post each night once.

-- GiST equality on integers for the exclusion constraint (PGlite loads the extension in db/client.ts).
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- The housekeeping role (客房), venue-scoped like the others.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
  CHECK (role IN ('admin', 'manager', 'operator', 'frontdesk', 'finance', 'housekeeping'));

-- A hotel of a venue (a venue may have several). Its business date (营业日) is its own: the night
-- audit rolls it, not the clock, so a late audit still closes the right day.
CREATE TABLE hotels (
  id              serial PRIMARY KEY,
  venue_id        integer NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
  code            text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
  name_zh         text NOT NULL,
  name_en         text NOT NULL,
  -- The zone the hotel stands in (its in-house guests count there).
  zone_id         integer REFERENCES zones(id),
  -- The desk's window channel: walk-in and phone reservations are orders of it.
  channel_id      integer NOT NULL REFERENCES channels(id),
  check_in_time   time NOT NULL DEFAULT '14:00',
  check_out_time  time NOT NULL DEFAULT '12:00',
  business_date   date NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (venue_id, code),
  UNIQUE (id, venue_id)
);

-- Room types: prices in fen by day kind as ticket types have them (NULL weekend/holiday rates fall
-- back to the weekday rate).
CREATE TABLE room_types (
  id                 serial PRIMARY KEY,
  hotel_id           integer NOT NULL REFERENCES hotels(id) ON DELETE CASCADE,
  code               text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
  name_zh            text NOT NULL,
  name_en            text NOT NULL,
  max_adults         integer NOT NULL CHECK (max_adults BETWEEN 1 AND 12),
  max_children       integer NOT NULL DEFAULT 0 CHECK (max_children BETWEEN 0 AND 12),
  bed                text NOT NULL CHECK (bed IN ('king', 'queen', 'twin', 'double', 'family', 'bunk')),
  rate_fen           integer NOT NULL CHECK (rate_fen >= 0),
  weekend_rate_fen   integer CHECK (weekend_rate_fen >= 0),
  holiday_rate_fen   integer CHECK (holiday_rate_fen >= 0),
  sort               integer NOT NULL DEFAULT 0,
  UNIQUE (hotel_id, code),
  UNIQUE (id, hotel_id)
);

CREATE TABLE rooms (
  id            serial PRIMARY KEY,
  hotel_id      integer NOT NULL REFERENCES hotels(id) ON DELETE CASCADE,
  type_id       integer NOT NULL,
  number        text NOT NULL CHECK (number ~ '^[A-Z0-9][A-Z0-9-]{0,11}$'),
  floor         integer NOT NULL,
  -- Housekeeping state: checking out makes a room dirty; housekeeping cleans, a supervisor inspects.
  housekeeping  text NOT NULL DEFAULT 'clean' CHECK (housekeeping IN ('clean', 'dirty', 'inspected')),
  active        boolean NOT NULL DEFAULT true,
  FOREIGN KEY (type_id, hotel_id) REFERENCES room_types(id, hotel_id),
  UNIQUE (hotel_id, number)
);
CREATE INDEX rooms_type_idx ON rooms (type_id);

-- A room taken out for a range of nights [from, to): out of service stays sellable (a broken lamp),
-- out of order leaves the availability (its nights count in room_inventory.out_of_order).
CREATE TABLE room_blocks (
  id           bigserial PRIMARY KEY,
  room_id      integer NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('out_of_service', 'out_of_order')),
  nights       daterange NOT NULL CHECK (NOT isempty(nights) AND lower_inc(nights) AND NOT upper_inc(nights)),
  reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
  created_by   integer REFERENCES users(id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  released_at  timestamptz,
  released_by  integer REFERENCES users(id),
  -- One live block of a kind per room and night: an out-of-order night is counted once.
  EXCLUDE USING gist (room_id WITH =, kind WITH =, nights WITH &&) WHERE (released_at IS NULL)
);

-- Rate plans (价格计划): room only, with breakfast, or a package with park tickets per guest per day
-- of the stay. Cancellation: free until free_cancel_hours before the arrival day's check-in time,
-- then cancel_fee_pct of the first night; a no-show pays no_show_fee_pct of the first night. An early
-- departure credits ticket_credit_pct of the package tickets of the days not started.
CREATE TABLE rate_plans (
  id                  serial PRIMARY KEY,
  hotel_id            integer NOT NULL REFERENCES hotels(id) ON DELETE CASCADE,
  code                text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
  name_zh             text NOT NULL,
  name_en             text NOT NULL,
  kind                text NOT NULL CHECK (kind IN ('room_only', 'breakfast', 'package')),
  -- Breakfast per guest and night (fen).
  breakfast_fen       integer NOT NULL DEFAULT 0 CHECK (breakfast_fen >= 0),
  -- Packages: ticket types included per guest per day (adults; children get child_ticket_type_id when set).
  ticket_type_ids     integer[] NOT NULL DEFAULT '{}',
  child_ticket_type_id integer REFERENCES ticket_types(id),
  free_cancel_hours   integer NOT NULL DEFAULT 24 CHECK (free_cancel_hours BETWEEN 0 AND 720),
  cancel_fee_pct      integer NOT NULL DEFAULT 100 CHECK (cancel_fee_pct BETWEEN 0 AND 100),
  no_show_fee_pct     integer NOT NULL DEFAULT 100 CHECK (no_show_fee_pct BETWEEN 0 AND 100),
  ticket_credit_pct   integer NOT NULL DEFAULT 100 CHECK (ticket_credit_pct BETWEEN 0 AND 100),
  active              boolean NOT NULL DEFAULT true,
  sort                integer NOT NULL DEFAULT 0,
  UNIQUE (hotel_id, code),
  CHECK (kind = 'package' OR (cardinality(ticket_type_ids) = 0 AND child_ticket_type_id IS NULL)),
  CHECK (kind <> 'package' OR cardinality(ticket_type_ids) > 0)
);

-- The per-type per-night inventory (房量): rooms booked at type level and rooms out of order. A
-- booking takes each night with UPDATE ... WHERE booked + n <= rooms of the type - out_of_order; the
-- row lock serialises concurrent bookings. out_of_order may make a night overbooked (the wall alarms
-- on it); booked never goes below zero.
CREATE TABLE room_inventory (
  type_id       integer NOT NULL REFERENCES room_types(id) ON DELETE CASCADE,
  night         date NOT NULL,
  booked        integer NOT NULL DEFAULT 0 CHECK (booked >= 0),
  out_of_order  integer NOT NULL DEFAULT 0 CHECK (out_of_order >= 0),
  PRIMARY KEY (type_id, night)
);

-- A reservation's stay (one room): the order it is part of, its nights [check_in, check_out).
--   confirmed -> checked_in -> checked_out; confirmed -> cancelled | no_show; a supervisor may revert
--   checked_in -> confirmed and checked_out -> checked_in (server/services/hotel.ts holds the table).
CREATE TABLE stays (
  id              bigserial PRIMARY KEY,
  order_id        bigint NOT NULL REFERENCES orders(id),
  venue_id        integer NOT NULL,
  hotel_id        integer NOT NULL,
  type_id         integer NOT NULL REFERENCES room_types(id),
  rate_plan_id    integer NOT NULL REFERENCES rate_plans(id),
  check_in        date NOT NULL,
  check_out       date NOT NULL,
  adults          integer NOT NULL CHECK (adults BETWEEN 1 AND 12),
  children        integer NOT NULL DEFAULT 0 CHECK (children BETWEEN 0 AND 12),
  state           text NOT NULL DEFAULT 'confirmed'
                    CHECK (state IN ('confirmed', 'checked_in', 'checked_out', 'no_show', 'cancelled')),
  -- The room now (or the one assigned before check-in); its nights are in room_assignments.
  room_id         integer REFERENCES rooms(id),
  -- Rate per night as quoted at booking (fen), room and plan: [{ "night": "YYYY-MM-DD", "room": n, "plan": n }].
  rates           jsonb NOT NULL,
  -- A package guest admitted at a gate on the arrival day but not yet at the desk at the night audit.
  late_arrival    boolean NOT NULL DEFAULT false,
  checked_in_at   timestamptz,
  checked_out_at  timestamptz,
  cancelled_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (hotel_id, venue_id) REFERENCES hotels(id, venue_id),
  CHECK (check_out > check_in)
);
CREATE INDEX stays_order_idx ON stays (order_id);
CREATE INDEX stays_hotel_dates_idx ON stays (hotel_id, check_in, check_out);
CREATE INDEX stays_hotel_state_idx ON stays (hotel_id, state);

-- Which room holds a stay for which nights. A move splits it (old room until the move night, new room
-- from it); an early departure shortens it. The constraint is the rule "one stay per room and night".
CREATE TABLE room_assignments (
  id           bigserial PRIMARY KEY,
  stay_id      bigint NOT NULL REFERENCES stays(id) ON DELETE CASCADE,
  room_id      integer NOT NULL REFERENCES rooms(id),
  nights       daterange NOT NULL CHECK (NOT isempty(nights) AND lower_inc(nights) AND NOT upper_inc(nights)),
  assigned_by  integer REFERENCES users(id),
  assigned_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT room_assignments_no_overlap EXCLUDE USING gist (room_id WITH =, nights WITH &&)
);
CREATE INDEX room_assignments_stay_idx ON room_assignments (stay_id);

-- Everyone staying (real-name registration, 实名登记): the ID number encrypted, blind-indexed and
-- masked like a ticket holder's, never in the clear.
CREATE TABLE stay_guests (
  id                bigserial PRIMARY KEY,
  stay_id           bigint NOT NULL REFERENCES stays(id) ON DELETE CASCADE,
  -- 1 = the guest the reservation is under; package tickets name their guest by this number.
  guest_no          integer NOT NULL CHECK (guest_no BETWEEN 1 AND 24),
  name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  id_number_enc     bytea NOT NULL,
  id_number_bidx    bytea NOT NULL,
  id_number_masked  text NOT NULL,
  id_number_tails   bytea[],
  registered_at     timestamptz NOT NULL DEFAULT now(),
  registered_by     integer REFERENCES users(id),
  UNIQUE (stay_id, guest_no)
);
CREATE INDEX stay_guests_bidx_idx ON stay_guests (id_number_bidx);
CREATE INDEX stay_guests_tails_idx ON stay_guests USING gin (id_number_tails) WHERE id_number_tails IS NOT NULL;

-- A package's park tickets belong to its stay (activated by the check-in), one per guest per day.
ALTER TABLE tickets ADD COLUMN stay_id bigint REFERENCES stays(id);
ALTER TABLE tickets ADD COLUMN stay_guest_no integer;
CREATE INDEX tickets_stay_idx ON tickets (stay_id) WHERE stay_id IS NOT NULL;

-- The night audits (夜审): one per hotel and business date, claimed by the instance that runs it.
CREATE TABLE night_audits (
  id              bigserial PRIMARY KEY,
  hotel_id        integer NOT NULL REFERENCES hotels(id) ON DELETE CASCADE,
  business_date   date NOT NULL,
  started_at      timestamptz NOT NULL DEFAULT now(),
  user_id         integer REFERENCES users(id),
  actor_label     text NOT NULL,
  -- What it did: room charges posted, no-shows marked, late arrivals listed for the desk.
  posted          integer NOT NULL DEFAULT 0,
  no_shows        integer NOT NULL DEFAULT 0,
  late_arrivals   jsonb NOT NULL DEFAULT '[]'::jsonb,
  UNIQUE (hotel_id, business_date)
);

-- The folio (账单): what a stay was charged and paid, line by line. Never edited: a correction is a
-- new line pointing at the one it corrects. Charges are positive, payments and credits negative, so
-- the balance is the sum. stay_id NULL is the hotel's house account (挂账), where a supervisor may
-- transfer a balance at check-out.
CREATE TABLE folio_lines (
  id              bigserial PRIMARY KEY,
  hotel_id        integer NOT NULL REFERENCES hotels(id) ON DELETE CASCADE,
  stay_id         bigint REFERENCES stays(id),
  at              timestamptz NOT NULL DEFAULT now(),
  business_date   date NOT NULL,
  kind            text NOT NULL CHECK (kind IN
                    ('room_night', 'package', 'extra', 'payment', 'deposit', 'refund', 'correction', 'fee', 'transfer')),
  -- Room nights and package parts: the night (day) they are for.
  night           date,
  -- Extras: restaurant, minibar, spa, ticket (bought at the desk), laundry, other.
  category        text CHECK (category IN ('restaurant', 'minibar', 'spa', 'ticket', 'laundry', 'other')),
  description_zh  text NOT NULL,
  description_en  text NOT NULL,
  qty             integer NOT NULL DEFAULT 1 CHECK (qty >= 1),
  amount_fen      bigint NOT NULL,
  payment_id      bigint REFERENCES payments(id),
  correction_of   bigint REFERENCES folio_lines(id),
  -- A transfer's other side (the house account line and the stay line point at each other's stay).
  transfer_stay_id bigint REFERENCES stays(id),
  night_audit_id  bigint REFERENCES night_audits(id),
  user_id         integer REFERENCES users(id),
  note            text CHECK (length(note) <= 500),
  CHECK ((kind IN ('room_night', 'package')) = (night IS NOT NULL)),
  CHECK ((kind = 'extra') = (category IS NOT NULL)),
  CHECK ((kind IN ('payment', 'deposit', 'refund')) = (payment_id IS NOT NULL)),
  CHECK ((kind = 'correction') = (correction_of IS NOT NULL)),
  CHECK (stay_id IS NOT NULL OR kind IN ('transfer', 'correction', 'payment', 'refund'))
);
CREATE INDEX folio_lines_stay_idx ON folio_lines (stay_id, id);
CREATE INDEX folio_lines_house_idx ON folio_lines (hotel_id, id) WHERE stay_id IS NULL;
-- One room charge per stay and night, whoever posts it (the night audit, a late check-in's catch-up).
CREATE UNIQUE INDEX folio_lines_room_night_uq ON folio_lines (stay_id, night) WHERE kind = 'room_night';
