-- In-house guests in the lodge zone's occupancy (issue 13, docs/hotel.md "In-house guests in the
-- zone graph"). Checking in admits each guest's positional ticket (the package's park ticket of the
-- day, or a zero-price lodge pass) at the hotel zone's door through the gates' ingest, so the
-- crossing is counted like any scan. At the venue's daily reset the guests whose ticket was last
-- placed in the lodge are carried into the new day's occupancy as an opening balance: counted in
-- `carried`, not in `entries`, so that
--     in the venue = carried + entries − exits = the sum of the zones' occupancy.
ALTER TABLE daily_counters ADD COLUMN carried integer NOT NULL DEFAULT 0;

-- The lodge pass of a hotel: a ticket type only for in-house guests without a park ticket of the
-- day, never on sale (inactive), admitted only in the hotel's zone.
ALTER TABLE hotels ADD COLUMN pass_type_id integer REFERENCES ticket_types(id);

-- The carry of a hotel's in-house guests into a business day, once per hotel and day however many
-- instances run the reset: the first to insert the row carries, the others find it.
CREATE TABLE lodge_carries (
  hotel_id  integer NOT NULL REFERENCES hotels(id) ON DELETE CASCADE,
  day       date NOT NULL,
  guests    integer NOT NULL DEFAULT 0 CHECK (guests >= 0),
  at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (hotel_id, day)
);
