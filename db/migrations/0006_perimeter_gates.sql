-- Entries and exits today (入园 / 出园) count the venue's boundary gates only; gates inside the venue
-- (ropeway boarding, a temple checkpoint, the lodge door) move people between zones.
ALTER TABLE gates ADD COLUMN perimeter boolean NOT NULL DEFAULT true;
