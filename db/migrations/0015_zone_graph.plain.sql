-- Without TimescaleDB: the same rollup as a plain view, with the venue crossings.
DROP VIEW IF EXISTS gate_scans_1m;
CREATE VIEW gate_scans_1m AS
SELECT date_bin(INTERVAL '1 minute', at, TIMESTAMPTZ '2000-01-01') AS bucket, venue_id, zone_id, gate_id,
       count(*) FILTER (WHERE result = 'admit' AND direction = 'in')::int AS entries,
       count(*) FILTER (WHERE result = 'admit' AND direction = 'out')::int AS exits,
       count(*) FILTER (WHERE result = 'reject')::int AS rejects,
       count(*) FILTER (WHERE conflict)::int AS conflicts,
       count(*) FILTER (WHERE crossing IN ('entry', 'both'))::int AS venue_entries,
       count(*) FILTER (WHERE crossing IN ('exit', 'both'))::int AS venue_exits
FROM gate_scans
GROUP BY 1, 2, 3, 4;
