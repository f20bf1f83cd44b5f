-- Without TimescaleDB: the same rollup as a plain view (same columns, same answers).
CREATE VIEW device_heartbeats_1m AS
SELECT date_bin(INTERVAL '1 minute', at, TIMESTAMPTZ '2000-01-01') AS bucket, gate_id,
       count(*)::int AS beats, max(queue) AS max_queue, min(battery) AS min_battery
FROM device_heartbeats
GROUP BY 1, 2;
