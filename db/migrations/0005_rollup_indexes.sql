-- The arrival forecast reads a venue's tickets for one visit date.
CREATE INDEX tickets_venue_visit_idx ON tickets (venue_id, visit_date);
