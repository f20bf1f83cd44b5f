-- A gate told `unavailable` decides by itself and uploads what it did with the same scan id, while
-- the server may still commit its own decision of that scan late. The upload then settles the scan
-- (docs/device-protocol.md, "Settling a scan"): the gate's act is what happened, so a disagreeing
-- online decision is undone or completed. settled_hash is the upload's request hash (a replay of the
-- upload returns the settled answer); undo is what an online admission changed, so it can be
-- taken back exactly when the visitor was in fact turned away (left empty for a ticket's first
-- entry, which is most admissions: what that changed is known without it).
ALTER TABLE scan_requests ADD COLUMN IF NOT EXISTS settled_hash text;
ALTER TABLE scan_requests ADD COLUMN IF NOT EXISTS undo jsonb;
