-- @no-transaction: continuous aggregates cannot be created inside a transaction block.
SELECT create_hypertable('gate_scans', 'at', chunk_time_interval => INTERVAL '1 day', if_not_exists => true);
SELECT create_hypertable('sales_events', 'at', chunk_time_interval => INTERVAL '7 days', if_not_exists => true);

CREATE MATERIALIZED VIEW IF NOT EXISTS gate_scans_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 minute', at) AS bucket, venue_id, zone_id, gate_id,
       count(*) FILTER (WHERE result = 'admit' AND direction = 'in')::int AS entries,
       count(*) FILTER (WHERE result = 'admit' AND direction = 'out')::int AS exits,
       count(*) FILTER (WHERE result = 'reject')::int AS rejects,
       count(*) FILTER (WHERE conflict)::int AS conflicts
FROM gate_scans
GROUP BY 1, 2, 3, 4
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS sales_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 minute', at) AS bucket, venue_id, channel_id, type_id,
       sum(qty) FILTER (WHERE kind = 'sale')::int AS sold,
       sum(qty) FILTER (WHERE kind = 'refund')::int AS refunded,
       sum(CASE WHEN kind = 'sale' THEN amount_fen ELSE -amount_fen END)::bigint AS revenue_fen
FROM sales_events
GROUP BY 1, 2, 3, 4
WITH NO DATA;

SELECT add_continuous_aggregate_policy('gate_scans_1m', start_offset => INTERVAL '3 hours', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute', if_not_exists => true);
SELECT add_continuous_aggregate_policy('sales_1m', start_offset => INTERVAL '3 hours', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute', if_not_exists => true);
ALTER TABLE gate_scans SET (timescaledb.compress, timescaledb.compress_segmentby = 'venue_id, gate_id');
SELECT add_compression_policy('gate_scans', INTERVAL '7 days', if_not_exists => true);
SELECT add_retention_policy('gate_scans', INTERVAL '400 days', if_not_exists => true);
ALTER TABLE sales_events SET (timescaledb.compress, timescaledb.compress_segmentby = 'venue_id, channel_id');
SELECT add_compression_policy('sales_events', INTERVAL '30 days', if_not_exists => true);
