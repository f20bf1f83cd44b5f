-- Group tickets (团体票): an agency's order for a group names its guide and gets one group code,
-- which admits a stated headcount of the order's unused tickets at a gate or the desk.
ALTER TABLE orders ADD COLUMN group_code text;
ALTER TABLE orders ADD COLUMN guide_name text;
ALTER TABLE orders ADD COLUMN guide_phone text;
CREATE UNIQUE INDEX orders_group_code_uq ON orders (group_code) WHERE group_code IS NOT NULL;
