-- Gate device health over time (heartbeats: upload queue, battery). Gate health charts read the
-- per-minute rollup; the latest values also sit on the devices row.
CREATE TABLE device_heartbeats (
  at         timestamptz NOT NULL,
  device_id  integer NOT NULL,
  gate_id    integer NOT NULL,
  queue      integer,
  battery    integer
);
CREATE INDEX device_heartbeats_gate_at_idx ON device_heartbeats (gate_id, at DESC);
