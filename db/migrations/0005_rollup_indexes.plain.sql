-- Without TimescaleDB the per-minute rollups are plain views over date_bin(); an index on the same
-- expression lets a time-window filter on the view use it instead of scanning the whole table.
CREATE INDEX gate_scans_venue_minute_idx ON gate_scans (venue_id, date_bin(INTERVAL '1 minute', at, TIMESTAMPTZ '2000-01-01'));
CREATE INDEX sales_events_venue_minute_idx ON sales_events (venue_id, date_bin(INTERVAL '1 minute', at, TIMESTAMPTZ '2000-01-01'));
