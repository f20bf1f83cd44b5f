-- @no-transaction: continuous aggregates cannot be created inside a transaction block.
-- The per-minute rollup gains the venue crossings (venue_entries, venue_exits): the entries chart
-- counts what the wall's totals count (perimeter crossings and inferred ones), not every admission
-- into some zone. A continuous aggregate cannot gain columns: it is built again. Its refresh policy
-- now reaches back to the start (start_offset NULL): the first run materializes the history built
-- away here, and later runs only what changed, including offline uploads older than a few hours.
DROP MATERIALIZED VIEW IF EXISTS gate_scans_1m;
CREATE MATERIALIZED VIEW gate_scans_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 minute', at) AS bucket, venue_id, zone_id, gate_id,
       count(*) FILTER (WHERE result = 'admit' AND direction = 'in')::int AS entries,
       count(*) FILTER (WHERE result = 'admit' AND direction = 'out')::int AS exits,
       count(*) FILTER (WHERE result = 'reject')::int AS rejects,
       count(*) FILTER (WHERE conflict)::int AS conflicts,
       count(*) FILTER (WHERE crossing IN ('entry', 'both'))::int AS venue_entries,
       count(*) FILTER (WHERE crossing IN ('exit', 'both'))::int AS venue_exits
FROM gate_scans
GROUP BY 1, 2, 3, 4
WITH NO DATA;
SELECT add_continuous_aggregate_policy('gate_scans_1m', start_offset => NULL, end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute', if_not_exists => true);
