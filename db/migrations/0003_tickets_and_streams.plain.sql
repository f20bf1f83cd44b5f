-- Without TimescaleDB: the same rollups as plain views (same columns, same answers).
CREATE VIEW gate_scans_1m AS
SELECT date_bin(INTERVAL '1 minute', at, TIMESTAMPTZ '2000-01-01') AS bucket, venue_id, zone_id, gate_id,
       count(*) FILTER (WHERE result = 'admit' AND direction = 'in')::int AS entries,
       count(*) FILTER (WHERE result = 'admit' AND direction = 'out')::int AS exits,
       count(*) FILTER (WHERE result = 'reject')::int AS rejects,
       count(*) FILTER (WHERE conflict)::int AS conflicts
FROM gate_scans
GROUP BY 1, 2, 3, 4;

CREATE VIEW sales_1m AS
SELECT date_bin(INTERVAL '1 minute', at, TIMESTAMPTZ '2000-01-01') AS bucket, venue_id, channel_id, type_id,
       sum(qty) FILTER (WHERE kind = 'sale')::int AS sold,
       sum(qty) FILTER (WHERE kind = 'refund')::int AS refunded,
       sum(CASE WHEN kind = 'sale' THEN amount_fen ELSE -amount_fen END)::bigint AS revenue_fen
FROM sales_events
GROUP BY 1, 2, 3, 4;
