-- The wall's recent activity per gate (last 5 minutes) and the alarm engine's conflict count read
-- recent rows only; without these indexes plain PostgreSQL scans the whole gate_scans table.
CREATE INDEX gate_scans_venue_at_idx ON gate_scans (venue_id, at DESC);
CREATE INDEX gate_scans_conflict_received_idx ON gate_scans (received_at) WHERE conflict;
