-- Statistics for the order desk's expression look-ups (issue 11, measured by npm run bench:frontdesk).
-- PostgreSQL does not use the statistics of a partial index's expressions, and the desk's indexes on
-- right(phone_digits, 4), lower(customer_name) and lower(holder_name) are all partial: the planner
-- guessed 0.5% of the table for every such look-up (5,000 of 1,000,000 orders instead of about 100),
-- and chose a parallel plan for the last 4 digits of a phone and a sequential scan of orders for a
-- name (1.5 s instead of 30 ms). Statistics on the same expressions give it the real frequencies.
CREATE STATISTICS IF NOT EXISTS orders_phone_last4_stx ON (right(phone_digits, 4)) FROM orders;
CREATE STATISTICS IF NOT EXISTS orders_name_stx ON (lower(customer_name)) FROM orders;
CREATE STATISTICS IF NOT EXISTS tickets_holder_name_stx ON (lower(holder_name)) FROM tickets;

-- The last 4 digits of a phone match about one order in ten thousand: a hundred orders in a million,
-- of which the desk shows a venue's 20 newest. Ordered by venue, digits and then the desk's sort key,
-- the index hands over those 20 without reading the other rows (the query takes them with
-- ORDER BY ... LIMIT). It replaces the index on the digits alone, whose only user was that query.
CREATE INDEX IF NOT EXISTS orders_phone_last4_newest_idx
  ON orders (venue_id, right(phone_digits, 4), created_at DESC, id DESC) WHERE phone_digits IS NOT NULL;
DROP INDEX IF EXISTS orders_phone_last4_idx;

-- Statistics filled now rather than at the next autovacuum analyze, which on a large table may be weeks away.
ANALYZE orders;
ANALYZE tickets;
