-- @no-transaction: continuous aggregates cannot be created inside a transaction block.
SELECT create_hypertable('device_heartbeats', 'at', chunk_time_interval => INTERVAL '1 day', migrate_data => true, if_not_exists => true);

CREATE MATERIALIZED VIEW IF NOT EXISTS device_heartbeats_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 minute', at) AS bucket, gate_id,
       count(*)::int AS beats, max(queue) AS max_queue, min(battery) AS min_battery
FROM device_heartbeats
GROUP BY 1, 2
WITH NO DATA;

SELECT add_continuous_aggregate_policy('device_heartbeats_1m',
  start_offset => INTERVAL '3 hours', end_offset => INTERVAL '1 minute',
  schedule_interval => INTERVAL '1 minute', if_not_exists => true);
ALTER TABLE device_heartbeats SET (timescaledb.compress, timescaledb.compress_segmentby = 'gate_id');
SELECT add_compression_policy('device_heartbeats', INTERVAL '7 days', if_not_exists => true);
SELECT add_retention_policy('device_heartbeats', INTERVAL '90 days', if_not_exists => true);
