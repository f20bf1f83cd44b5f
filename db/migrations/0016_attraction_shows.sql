-- Show times of an attraction (演出场次, docs/zone-graph.md): each its own seats, sold like the venue's
-- entry slots. A ticket whose type includes rides on a show with show times books one of them per
-- show, and its gate admits it only around that show (from the doors until it ends, on its day).

-- The doors open this many minutes before a show starts: a booked ticket is admitted from then.
ALTER TABLE attractions ADD COLUMN doors_min integer NOT NULL DEFAULT 30 CHECK (doors_min BETWEEN 0 AND 240);

-- Show times offered every day, as `slot_templates` are for entry slots; materialised per date.
CREATE TABLE show_templates (
  attraction_id  integer NOT NULL REFERENCES attractions(id) ON DELETE CASCADE,
  starts         time NOT NULL,
  ends           time NOT NULL,
  capacity       integer NOT NULL CHECK (capacity >= 0),
  PRIMARY KEY (attraction_id, starts),
  CHECK (ends > starts)
);

-- Seats of one show on one date, as `quotas` are places of a slot: taken with one conditional
-- update under the row lock, so a show is never oversold; sold may exceed capacity only when the
-- capacity is reduced after sales.
CREATE TABLE show_quotas (
  id             bigserial PRIMARY KEY,
  attraction_id  integer NOT NULL REFERENCES attractions(id) ON DELETE CASCADE,
  day            date NOT NULL,
  starts         time NOT NULL,
  ends           time NOT NULL,
  capacity       integer NOT NULL CHECK (capacity >= 0),
  sold           integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
  closed         boolean NOT NULL DEFAULT false,
  UNIQUE (attraction_id, day, starts)
);

-- The show a ticket booked, per show attraction its type includes: its seat, given back on refund.
CREATE TABLE ticket_shows (
  ticket_id      bigint NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  attraction_id  integer NOT NULL REFERENCES attractions(id) ON DELETE CASCADE,
  quota_id       bigint NOT NULL REFERENCES show_quotas(id),
  PRIMARY KEY (ticket_id, attraction_id)
);
CREATE INDEX ticket_shows_quota_idx ON ticket_shows (quota_id);
