-- The room rack (issue 13, the tape chart): the assignments touching a range of nights, found by
-- where they end. 0017's only index on room_assignments with the nights in it is the exclusion
-- constraint's GiST (room_id, nights): a rack asks for every room of the hotel at once, so only its
-- nights column applies, and a GiST split by room first prunes little on it; with 50,000 past stays
-- the planner then hash-joins every stay (a sequential scan of stays, ~15 ms of 25 ms on the bench).
-- Past stays all end before the rack's first night, so a btree on the end finds the few that touch
-- it (~550 of 51,000 at 500 rooms, 0.05 ms) and the stays are then read by their primary key.
-- db/queries/hotel-rack.ts asks `upper(nights) > from AND lower(nights) < to` to use it.
CREATE INDEX room_assignments_upper_idx ON room_assignments (upper(nights));
