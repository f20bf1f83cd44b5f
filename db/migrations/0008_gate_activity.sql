-- Recent activity per gate and minute, counted where scans are decided (in the same statement as
-- occupancy), so the wall's gate activity and the alarm engine's reject rates and conflicts read a
-- few small rows instead of counting raw gate_scans rows, whose number grows with the scan rate.
-- scans/rejects and their offline_ parts count by the minute the scan happened (the server's clock
-- for online scans, the device's for offline uploads); conflicts by the minute the upload arrived.
-- Rows older than an hour are pruned by the alarm engine.
CREATE TABLE gate_activity (
  gate_id          integer NOT NULL REFERENCES gates(id) ON DELETE CASCADE,
  minute           timestamptz NOT NULL,
  venue_id         integer NOT NULL,
  scans            integer NOT NULL DEFAULT 0,
  rejects          integer NOT NULL DEFAULT 0,
  offline_scans    integer NOT NULL DEFAULT 0,
  offline_rejects  integer NOT NULL DEFAULT 0,
  conflicts        integer NOT NULL DEFAULT 0,
  PRIMARY KEY (gate_id, minute)
);
CREATE INDEX gate_activity_venue_minute_idx ON gate_activity (venue_id, minute);

-- Carry over the last quarter hour, so an upgrade in the middle of a day keeps its windows.
INSERT INTO gate_activity (gate_id, minute, venue_id, scans, rejects, offline_scans, offline_rejects)
SELECT gate_id, date_trunc('minute', LEAST(at, received_at)), min(venue_id), count(*), count(*) FILTER (WHERE result = 'reject'),
       count(*) FILTER (WHERE offline), count(*) FILTER (WHERE offline AND result = 'reject')
FROM gate_scans WHERE at > now() - INTERVAL '15 minutes'
GROUP BY 1, 2;
INSERT INTO gate_activity AS a (gate_id, minute, venue_id, conflicts)
SELECT gate_id, date_trunc('minute', received_at), min(venue_id), count(*)
FROM gate_scans WHERE conflict AND received_at > now() - INTERVAL '15 minutes'
GROUP BY 1, 2
ON CONFLICT (gate_id, minute) DO UPDATE SET conflicts = a.conflicts + EXCLUDED.conflicts;
