-- The front desk (issue 11): cashier shifts and their cash drawer, payments recorded per method,
-- ticket holders for real-name types, refunds, rebooking and replacement of tickets at the desk,
-- manual admissions with supervisor overrides, and the keys the order desk searches by.
-- Money rows are never edited: a refund is a new payment row with a negative amount that points at
-- the payment it gives back.

-- A cashier's working session at a window (交接班). One open shift per cashier and per window.
CREATE TABLE shifts (
  id                 bigserial PRIMARY KEY,
  venue_id           integer NOT NULL REFERENCES venues(id),
  channel_id         integer NOT NULL REFERENCES channels(id),
  user_id            integer NOT NULL REFERENCES users(id),
  opened_at          timestamptz NOT NULL DEFAULT now(),
  opening_float_fen  bigint NOT NULL CHECK (opening_float_fen >= 0),
  closed_at          timestamptz,
  -- The blind count (盲点): what the cashier counted per method, before seeing what was expected.
  counted            jsonb,
  -- What Tidewatch expected per method at the close, kept as it was then.
  expected           jsonb,
  close_note         text,
  CHECK ((closed_at IS NULL) = (counted IS NULL))
);
CREATE UNIQUE INDEX shifts_open_user_uq ON shifts (user_id) WHERE closed_at IS NULL;
CREATE UNIQUE INDEX shifts_open_window_uq ON shifts (channel_id) WHERE closed_at IS NULL;
CREATE INDEX shifts_venue_idx ON shifts (venue_id, opened_at DESC);

-- Cash put into or taken out of the drawer during a shift (change top-up, bank drop).
CREATE TABLE cash_moves (
  id          bigserial PRIMARY KEY,
  shift_id    bigint NOT NULL REFERENCES shifts(id),
  at          timestamptz NOT NULL DEFAULT now(),
  -- Positive: cash in; negative: cash out.
  amount_fen  bigint NOT NULL CHECK (amount_fen <> 0),
  reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
  user_id     integer NOT NULL REFERENCES users(id)
);
CREATE INDEX cash_moves_shift_idx ON cash_moves (shift_id);

-- Payments as recorded (Tidewatch does not move money): taken (positive) or given back (negative).
CREATE TABLE payments (
  id            bigserial PRIMARY KEY,
  order_id      bigint NOT NULL REFERENCES orders(id),
  shift_id      bigint REFERENCES shifts(id),
  at            timestamptz NOT NULL DEFAULT now(),
  method        text NOT NULL CHECK (method IN ('cash', 'wechat', 'alipay', 'card', 'unionpay', 'voucher')),
  amount_fen    bigint NOT NULL CHECK (amount_fen <> 0),
  -- Cash only: what the visitor handed over and the change given.
  tendered_fen  bigint CHECK (tendered_fen >= 0),
  change_fen    bigint CHECK (change_fen >= 0),
  -- The payment terminal's reference (not for cash).
  reference     text,
  refund_of     bigint REFERENCES payments(id),
  user_id       integer REFERENCES users(id),
  CHECK ((amount_fen < 0) = (refund_of IS NOT NULL))
);
CREATE INDEX payments_order_idx ON payments (order_id);
CREATE INDEX payments_shift_idx ON payments (shift_id) WHERE shift_id IS NOT NULL;

-- Orders: a short code people can read out, the desk's cashier and shift, and search keys.
ALTER TABLE orders ADD COLUMN code text;
CREATE UNIQUE INDEX orders_code_uq ON orders (code) WHERE code IS NOT NULL;
ALTER TABLE orders ADD COLUMN shift_id bigint REFERENCES shifts(id);
ALTER TABLE orders ADD COLUMN user_id integer REFERENCES users(id);
ALTER TABLE orders ADD COLUMN phone_digits text GENERATED ALWAYS AS (regexp_replace(customer_phone, '[^0-9]', '', 'g')) STORED;
CREATE INDEX orders_phone_idx ON orders (phone_digits) WHERE phone_digits IS NOT NULL;
CREATE INDEX orders_phone_last4_idx ON orders (right(phone_digits, 4)) WHERE phone_digits IS NOT NULL;
CREATE INDEX orders_ref_idx ON orders (ref);
CREATE INDEX orders_name_idx ON orders (lower(customer_name) text_pattern_ops) WHERE customer_name IS NOT NULL;
-- Keyed blind indexes of the ID number's last 4, 5 and 6 characters, for "the last digits" look-ups.
ALTER TABLE orders ADD COLUMN id_number_tails bytea[];
CREATE INDEX orders_id_tails_idx ON orders USING gin (id_number_tails) WHERE id_number_tails IS NOT NULL;

-- Real-name types (实名制): every ticket names its holder (name and ID number).
ALTER TABLE ticket_types ADD COLUMN real_name boolean NOT NULL DEFAULT false;

-- Tickets: a holder of their own (real-name types), replacement, and the rebooked-from date.
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check CHECK (status IN ('valid', 'refunded', 'replaced'));
ALTER TABLE tickets ADD COLUMN holder_name text;
ALTER TABLE tickets ADD COLUMN holder_id_enc bytea;
ALTER TABLE tickets ADD COLUMN holder_id_bidx bytea;
ALTER TABLE tickets ADD COLUMN holder_id_masked text;
ALTER TABLE tickets ADD COLUMN holder_id_tails bytea[];
CREATE INDEX tickets_holder_bidx_idx ON tickets (holder_id_bidx) WHERE holder_id_bidx IS NOT NULL;
CREATE INDEX tickets_holder_tails_idx ON tickets USING gin (holder_id_tails) WHERE holder_id_tails IS NOT NULL;
CREATE INDEX tickets_holder_name_idx ON tickets (lower(holder_name) text_pattern_ops) WHERE holder_name IS NOT NULL;
ALTER TABLE tickets ADD COLUMN replaced_by bigint REFERENCES tickets(id);
ALTER TABLE tickets ADD COLUMN replaces bigint REFERENCES tickets(id);
ALTER TABLE tickets ADD COLUMN rebooked_from date;
ALTER TABLE tickets ADD COLUMN printed_at timestamptz;

-- Manual admissions at the check-in desk: who let the visitor in and, for an override, who
-- approved it and why (reported per supervisor and per reason).
ALTER TABLE gate_scans ADD COLUMN manual_user_id integer;
ALTER TABLE gate_scans ADD COLUMN override_reason text;
ALTER TABLE gate_scans ADD COLUMN supervisor_id integer;
