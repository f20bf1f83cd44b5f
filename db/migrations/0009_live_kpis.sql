-- Two figures of the wall's KPI strip, counted where scans are decided (no raw gate_scans reads):
-- venue entries per gate and minute (admitted in-scans at boundary gates, by the minute they
-- happened) for the entries-per-minute tile, and the day's rejected scans by reason
-- ({"used": 12, "unknown": 3}) beside the total. A day in progress at the upgrade has its earlier
-- rejections in the total only; the wall shows that difference as "other".
ALTER TABLE gate_activity ADD COLUMN IF NOT EXISTS entries integer NOT NULL DEFAULT 0;
ALTER TABLE daily_counters ADD COLUMN IF NOT EXISTS rejects_by_reason jsonb NOT NULL DEFAULT '{}'::jsonb;
