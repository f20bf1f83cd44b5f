// Front-desk order search benchmark: deskSearch end to end through the service (zod, look-up kinds,
// keyed ID indexes, every look-up's query, merge) over 1,000,000 orders and 3,000,000 tickets on
// PostgreSQL, against the same look-up written directly in SQL on the same indexes in the same run.
// Usage and the recorded results: docs/benchmarks.md ("Front desk search").
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDatabase, type Database } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import type { TDeskLookup } from '../db/queries/front-desk.ts';
import { plainTicketType, upsertTicketType } from '../db/queries/sales.ts';
import { DEMO_VENUE } from '../db/seed/demo-venue.ts';
import { maskIdCard } from '../lib/id-card.ts';
import { encodeTicketCode } from '../lib/ticket-code.ts';
import type { Runtime } from '../server/runtime.ts';
import { CLI_ACTOR } from '../server/services/actor.ts';
import { deskSearch } from '../server/services/front-desk.ts';
import { createIdCrypto, type IdCrypto } from '../server/services/id-crypto.ts';
import { newOrderCode } from '../server/services/sales.ts';
import { seedDemo } from '../server/services/seed.ts';
import { assertLocalUrl } from './lib/bench-db.ts';
import { fmt, table } from './lib/stats.ts';
import { numArg } from './lib/args.ts';

/** Issue target: every search kind answers within this at the 95th percentile (ms). */
const TARGET_P95_MS = 50;
/** Tickets per order: the issue's 1,000,000 orders and 3,000,000 tickets. */
const TICKETS_PER_ORDER = 3;
/** Orders per load statement (and three times as many tickets): each chunk is one round trip of arrays. */
const ORDER_CHUNK = 50_000;
/** The service's own cap on results (deskSearch and searchOrders both return at most 20). */
const RESULT_LIMIT = 20;
/** Random bytes per ticket code, as lib/ticket-code.ts draws them (128 bits). */
const TICKET_CODE_BYTES = 16;
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const USAGE = `npm run bench:frontdesk -- [options]
  --orders <n>    orders to generate (default 1000000); tickets = ${TICKETS_PER_ORDER} x orders
  --people <n>    distinct people (names, phones, ID numbers) the orders and holders reuse (default 100000)
  --queries <n>   measured queries per search kind (default 200), after a warm-up on other values
  --warmup <n>    warm-up queries per kind, values not measured afterwards (default 50)
  --seed <x>      seed of the query sample, 0 to 1 (default: random, printed; a rerun on a kept
                  database with another seed measures values the previous run did not touch)
  --keep          keep the database at the end (prints its name) to look at plans with psql
  --reuse <name>  measure an existing kept database (migrates it first: new migrations apply) instead of loading
Environment: DATABASE_URL (default ${DEFAULT_DATABASE_URL}); a database tw_bench_frontdesk_<pid> is created on it and dropped.`;

const { values: args } = parseArgs({
  options: {
    orders: { type: 'string', default: '1000000' },
    people: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '50' },
    seed: { type: 'string' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const num = (name: string, v: string | undefined, min: number, max: number) => numArg(name, v, min, max, true);

const opts = {
  orders: num('orders', args.orders, 1_000, 20_000_000),
  people: num('people', args.people, 100, 10_000_000),
  queries: num('queries', args.queries, 10, 100_000),
  warmup: num('warmup', args.warmup, 0, 100_000),
  seed: args.seed === undefined ? Math.round(Math.random() * 1e6) / 1e6 : Number(args.seed),
  keep: !!args.keep,
  reuse: args.reuse,
  databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
};
if (!(opts.seed >= 0 && opts.seed <= 1)) throw new Error(`--seed must be a number from 0 to 1 (got "${args.seed}")`);
if (opts.reuse !== undefined && !/^tw_bench_frontdesk_[a-z0-9_]+$/.test(opts.reuse))
  throw new Error('--reuse takes the name of a database this benchmark kept (tw_bench_frontdesk_...)');

const log = (m: string) => console.log(m);
const seconds = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

// ---------------------------------------------------------------------------------------------
// Synthetic people: the ID numbers are valid (checksum, birth date) so the service takes them as ID
// numbers, and their keyed indexes are computed by the service's own IdCrypto.

/** A small deterministic PRNG (mulberry32): the same --people gives the same people every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈';
const GIVEN = '伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红鹏飞晨宇浩然欣怡子涵雨轩思博文俊佳琪梓萱一诺嘉';
const REGIONS = ['110105', '310104', '440305', '510107', '330106', '320102', '420106', '610113', '500103', '370202'];
const CHECK_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

interface Person {
  name: string;
  phone: string;
  idNumber: string;
}

function makePeople(n: number): Person[] {
  const rnd = prng(20261202);
  const pick = (s: string) => s[Math.floor(rnd() * s.length)];
  const seen = new Set<string>();
  const out: Person[] = [];
  while (out.length < n) {
    const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(rnd() * 56 * 365.25) * 86_400_000);
    const first17 = `${REGIONS[Math.floor(rnd() * REGIONS.length)]}${birth.toISOString().slice(0, 10).replace(/-/g, '')}${String(Math.floor(rnd() * 1000)).padStart(3, '0')}`;
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * CHECK_WEIGHTS[i];
    const idNumber = first17 + CHECK_CHARS[sum % 11];
    if (seen.has(idNumber)) continue;
    seen.add(idNumber);
    // A third of given names have one character: common names (张伟) are shared by many people.
    const name = pick(SURNAMES) + pick(GIVEN) + (rnd() < 0.33 ? '' : pick(GIVEN));
    const phone = `1${3 + Math.floor(rnd() * 7)}${String(Math.floor(rnd() * 1e9)).padStart(9, '0')}`;
    out.push({ name, phone, idNumber });
  }
  return out;
}

/** Puts the people with their encrypted, indexed and masked ID numbers into bench_people. */
async function loadPeople(c: pg.Client, people: Person[], crypto: IdCrypto): Promise<void> {
  await c.query(`CREATE TABLE bench_people (i int PRIMARY KEY, name text NOT NULL, phone text NOT NULL, id_number text NOT NULL,
    enc bytea NOT NULL, bidx bytea NOT NULL, masked text NOT NULL, tails bytea[] NOT NULL)`);
  for (let from = 0; from < people.length; from += 20_000) {
    const part = people.slice(from, from + 20_000);
    await c.query(
      `INSERT INTO bench_people SELECT $1::int + n::int - 1, name, phone, idn, decode(enc, 'hex'), decode(bidx, 'hex'), masked,
         (SELECT array_agg(decode(y, 'hex')) FROM unnest(string_to_array(tails, ',')) AS y)
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         WITH ORDINALITY AS x(name, phone, idn, enc, bidx, masked, tails, n)`,
      [
        from,
        part.map((p) => p.name),
        part.map((p) => p.phone),
        part.map((p) => p.idNumber),
        part.map((p) => crypto.encrypt(p.idNumber).toString('hex')),
        part.map((p) => crypto.blindIndex(p.idNumber).toString('hex')),
        part.map((p) => maskIdCard(p.idNumber)),
        part.map((p) =>
          crypto
            .tailIndexes(p.idNumber)
            .map((b) => b.toString('hex'))
            .join(','),
        ),
      ],
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Orders and tickets, generated in SQL from the order number k. Each property is a keyed hash of k
// (hashint8extended with its own seed), so the ticket statement recomputes the order's without
// reading it back.

const H = (seed: number, mod: number) => `((hashint8extended(k, ${seed}) & 9223372036854775807) % ${mod})`;

interface LoadContext {
  venueId: number;
  /** Channel per k % 10: 4 window, 3 Ctrip, 2 Meituan, 1 WeChat shop. */
  channelIds: number[];
  cashierId: number;
  plainTypeId: number;
  namedTypeId: number;
  idBase: number;
}

async function loadOrders(c: pg.Client, ctx: LoadContext, orders: number, people: number): Promise<void> {
  const codes = new Set<string>();
  const person = H(1, people);
  // 60% of orders name a customer, 90% give a phone, half of the named ones an ID number (real-name
  // OTA bookings); 30% are real-name orders whose tickets each carry a holder.
  const hasPerson = `${H(2, 100)} < 60`;
  const hasPhone = `${H(3, 100)} < 90`;
  const hasId = `(${hasPerson} AND ${H(4, 100)} < 50)`;
  const named = `${H(5, 100)} < 30`;
  const t0 = performance.now();
  // Seconds spent making codes in Node and in each statement, summed over the chunks.
  let tCodes = 0;
  let tOrders = 0;
  let tTickets = 0;
  for (let from = 1; from <= orders; from += ORDER_CHUNK) {
    const n = Math.min(ORDER_CHUNK, orders - from + 1);
    let tc = performance.now();
    const chunk: string[] = [];
    while (chunk.length < n) {
      // newOrderCode has 40 random bits: over a million orders a repeat is likely; the unique index
      // would refuse it, as it would in production (where the sale retries).
      const code = newOrderCode();
      if (codes.has(code)) continue;
      codes.add(code);
      chunk.push(code);
    }
    tCodes += (performance.now() - tc) / 1000;
    let ts = performance.now();
    await c.query(
      `INSERT INTO orders (id, venue_id, channel_id, ref, request_hash, amount_fen, customer_name, customer_phone,
                           id_number_enc, id_number_bidx, id_number_masked, id_number_tails, paid_at, created_at, code, user_id)
       SELECT $1::bigint + k, $2, ($3::int[])[1 + k % 10],
              CASE WHEN k % 10 < 4 THEN 'w-' || md5(k::text)
                   WHEN k % 10 < 7 THEN (1000000000000000 + k * 7919 + ${H(6, 7919)})::text
                   WHEN k % 10 < 9 THEN (3000000000000000000 + k * 104729 + ${H(7, 104729)})::text
                   ELSE 'WX' || to_char(at, 'YYYYMMDD') || lpad(k::text, 9, '0') END,
              'bench', ${TICKETS_PER_ORDER} * (6000 + 2000 * ${H(8, 4)}),
              CASE WHEN ${hasPerson} THEN p.name END,
              CASE WHEN NOT ${hasPhone} THEN NULL
                   WHEN ${H(9, 3)} = 0 THEN substr(ph, 1, 3) || ' ' || substr(ph, 4, 4) || ' ' || substr(ph, 8, 4)
                   ELSE ph END,
              CASE WHEN ${hasId} THEN p.enc END, CASE WHEN ${hasId} THEN p.bidx END,
              CASE WHEN ${hasId} THEN p.masked END, CASE WHEN ${hasId} THEN p.tails END,
              at, at, u.code, CASE WHEN k % 10 < 4 THEN $4::int END
       FROM unnest($5::text[]) WITH ORDINALITY AS u(code, n)
       CROSS JOIN LATERAL (SELECT $6::bigint + u.n - 1 AS k) AS kk
       CROSS JOIN LATERAL (SELECT now() - make_interval(days => 365) * (($7::bigint - k)::float8 / $7::bigint) AS at) AS t
       JOIN bench_people p ON p.i = ${person}
       CROSS JOIN LATERAL (SELECT CASE WHEN ${hasPerson} THEN p.phone
                                  ELSE '1' || (3 + ${H(10, 7)})::text || lpad(${H(11, 1000000000)}::text, 9, '0') END AS ph) AS pp`,
      [ctx.idBase, ctx.venueId, ctx.channelIds, ctx.cashierId, chunk, from, orders],
    );
    tOrders += (performance.now() - ts) / 1000;
    tc = performance.now();
    // The ticket generator's own encoding of crypto-random bytes; newTicketCode draws them 16 bytes
    // at a time through WebCrypto, which costs more than the whole insert at this volume.
    const random = randomBytes(n * TICKETS_PER_ORDER * TICKET_CODE_BYTES);
    const tickets = Array.from({ length: n * TICKETS_PER_ORDER }, (_, i) =>
      encodeTicketCode(random.subarray(i * TICKET_CODE_BYTES, (i + 1) * TICKET_CODE_BYTES)),
    );
    tCodes += (performance.now() - tc) / 1000;
    ts = performance.now();
    await c.query(
      `INSERT INTO tickets (order_id, venue_id, type_id, code, visit_date, valid_from, valid_to, price_fen, status, refunded_at,
                            holder_name, holder_id_enc, holder_id_bidx, holder_id_masked, holder_id_tails, created_at)
       SELECT o.id, o.venue_id, CASE WHEN x.named THEN $3::int ELSE $4::int END, u.code, vd, vd, vd, o.amount_fen / ${TICKETS_PER_ORDER},
              CASE WHEN ${H(12, 100)} < 3 THEN 'refunded' ELSE 'valid' END,
              CASE WHEN ${H(12, 100)} < 3 THEN o.created_at + interval '1 hour' END,
              p.name, p.enc, p.bidx, p.masked, p.tails, o.created_at
       FROM unnest($5::text[]) WITH ORDINALITY AS u(code, n)
       CROSS JOIN LATERAL (SELECT ($6::bigint + u.n - 2) / ${TICKETS_PER_ORDER} + 1 AS k,
                                  ($6::bigint + u.n - 2) % ${TICKETS_PER_ORDER} AS m) AS km
       JOIN orders o ON o.id = $1::bigint + km.k
       CROSS JOIN LATERAL (SELECT ${named} AS named, (o.created_at + make_interval(days => ${H(13, 14)}::int))::date AS vd) AS x
       LEFT JOIN bench_people p ON x.named AND p.i = (${person} + km.m) % $2::int`,
      [ctx.idBase, people, ctx.namedTypeId, ctx.plainTypeId, tickets, (from - 1) * TICKETS_PER_ORDER + 1],
    );
    tTickets += (performance.now() - ts) / 1000;
    const done = from + n - 1;
    log(
      `  ${fmt(done)} orders, ${fmt(done * TICKETS_PER_ORDER)} tickets in ${seconds(t0)} (${fmt(done / ((performance.now() - t0) / 1000))} orders/s; codes ${fmt(tCodes, 1)} s, orders ${fmt(tOrders, 1)} s, tickets ${fmt(tTickets, 1)} s)`,
    );
  }
  await c.query(`SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders))`);
}

// ---------------------------------------------------------------------------------------------
// Search kinds: where their query values come from, and the baseline (the look-up written directly
// in SQL on the same index, returning the ids of the 20 newest matching orders, as the service does).

interface Kind {
  label: string;
  /** The look-up kind of lookupsOf that the value is meant for (the service may try others too). */
  lookup: TDeskLookup['kind'];
  /** Values from the data (a hit each): sampled with ORDER BY random() after setseed. */
  sample: string;
  /** The baseline: $1 venue, $2 the value as the index holds it. */
  baseline: string;
  /** The index value the baseline is given (the service derives it itself, inside the timing). */
  param(v: string, crypto: IdCrypto): string | Buffer;
}

const NEWEST = `ORDER BY created_at DESC, id DESC LIMIT ${RESULT_LIMIT}`;
const PERSON_IDS = `(SELECT p.id_number AS v FROM orders o JOIN bench_people p ON p.bidx = o.id_number_bidx WHERE o.id_number_bidx IS NOT NULL
                     ORDER BY random() LIMIT $1 / 2)
                    UNION ALL
                    (SELECT p.id_number AS v FROM tickets t JOIN bench_people p ON p.bidx = t.holder_id_bidx WHERE t.holder_id_bidx IS NOT NULL
                     ORDER BY random() LIMIT $1 - $1 / 2)`;
const BY_ID = (col: string, tickets: string) =>
  `SELECT id FROM orders WHERE venue_id = $1 AND id IN (SELECT id FROM orders WHERE ${col} UNION SELECT order_id FROM tickets WHERE ${tickets}) ${NEWEST}`;

const KINDS: Kind[] = [
  {
    label: 'order code',
    lookup: 'orderCode',
    // An all-digit code (1 in 10,000) is not read as an order code by the desk: it is a number.
    sample: `SELECT code AS v FROM orders WHERE code ~ '[A-Z]' ORDER BY random() LIMIT $1`,
    baseline: `SELECT id FROM orders WHERE venue_id = $1 AND code = $2 ${NEWEST}`,
    param: (v) => v,
  },
  {
    label: 'ticket code',
    lookup: 'ticketCode',
    sample: 'SELECT code AS v FROM tickets ORDER BY random() LIMIT $1',
    baseline: `SELECT o.id FROM tickets t JOIN orders o ON o.id = t.order_id WHERE o.venue_id = $1 AND t.code = $2
               ORDER BY o.created_at DESC, o.id DESC LIMIT ${RESULT_LIMIT}`,
    param: (v) => v,
  },
  {
    label: 'channel ref (OTA)',
    lookup: 'ref',
    sample: `SELECT o.ref AS v FROM orders o JOIN channels c ON c.id = o.channel_id WHERE c.kind = 'ota' ORDER BY random() LIMIT $1`,
    baseline: `SELECT id FROM orders WHERE venue_id = $1 AND ref = $2 ${NEWEST}`,
    param: (v) => v,
  },
  {
    label: 'phone (whole)',
    lookup: 'phone',
    sample: 'SELECT customer_phone AS v FROM orders WHERE customer_phone IS NOT NULL ORDER BY random() LIMIT $1',
    baseline: `SELECT id FROM orders WHERE venue_id = $1 AND phone_digits = $2 ${NEWEST}`,
    param: (v) => v.replace(/\D/g, ''),
  },
  {
    label: 'phone last 4',
    lookup: 'phoneLast4',
    sample: 'SELECT right(phone_digits, 4) AS v FROM orders WHERE phone_digits IS NOT NULL ORDER BY random() LIMIT $1',
    baseline: `SELECT id FROM orders WHERE venue_id = $1 AND right(phone_digits, 4) = $2 AND phone_digits IS NOT NULL ${NEWEST}`,
    param: (v) => v,
  },
  {
    label: 'ID number (whole)',
    lookup: 'idNumber',
    sample: PERSON_IDS,
    baseline: BY_ID('id_number_bidx = $2', 'holder_id_bidx = $2'),
    param: (v, crypto) => crypto.blindIndex(v),
  },
  {
    label: 'ID last 4',
    lookup: 'idTail',
    sample: `SELECT right(v, 4) AS v FROM (${PERSON_IDS}) AS s(v)`,
    baseline: BY_ID('id_number_tails @> ARRAY[$2::bytea]', 'holder_id_tails @> ARRAY[$2::bytea]'),
    param: (v, crypto) => crypto.tailIndex(v),
  },
  {
    label: 'ID last 6',
    lookup: 'idTail',
    sample: `SELECT right(v, 6) AS v FROM (${PERSON_IDS}) AS s(v)`,
    baseline: BY_ID('id_number_tails @> ARRAY[$2::bytea]', 'holder_id_tails @> ARRAY[$2::bytea]'),
    param: (v, crypto) => crypto.tailIndex(v),
  },
  {
    label: 'name',
    lookup: 'name',
    sample: `(SELECT customer_name AS v FROM orders WHERE customer_name IS NOT NULL ORDER BY random() LIMIT $1 / 2)
             UNION ALL (SELECT holder_name AS v FROM tickets WHERE holder_name IS NOT NULL ORDER BY random() LIMIT $1 - $1 / 2)`,
    baseline: BY_ID(
      `lower(customer_name) LIKE $2 AND customer_name IS NOT NULL`,
      `lower(holder_name) LIKE $2 AND holder_name IS NOT NULL`,
    ),
    param: (v) => `${v.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`,
  },
];

/** Latencies of one kind (ms); a few hundred per kind, so a plain array. */
type Latencies = number[];

/** Nearest-rank percentile, as bench/lib/stats.ts computes its p50 and p99. */
function percentile(xs: Latencies, q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : Number.NaN;
}
const p50 = (xs: Latencies) => percentile(xs, 0.5);
const p95 = (xs: Latencies) => percentile(xs, 0.95);

interface KindResult {
  kind: Kind;
  service: Latencies;
  baseline: Latencies;
  /** Orders the service returned per query, on average. */
  meanRows: number;
  /** Queries where the baseline found nothing (values come from the data: should be 0). */
  misses: number;
  /** Queries whose service answer disagrees with the baseline (see check below). */
  disagreements: number;
}

/**
 * The service answer agrees with the baseline when the orders it found by this kind are among the
 * baseline's (its other look-ups, e.g. "4 digits could be a phone or an ID tail", may push some out
 * of the 20), and are all of them when the service was not cut at 20.
 */
function agrees(kind: Kind, service: { id: number; matched: string[] }[], baselineIds: number[]): boolean {
  const b = new Set(baselineIds.map(Number));
  const s = service.filter((o) => o.matched.includes(kind.lookup)).map((o) => Number(o.id));
  if (!s.every((id) => b.has(id))) return false;
  return service.length >= RESULT_LIMIT || s.length === b.size;
}

async function measureKind(
  rt: Runtime,
  db: Database,
  crypto: IdCrypto,
  venueId: number,
  kind: Kind,
  values: string[],
): Promise<KindResult> {
  const warm = values.slice(0, opts.warmup);
  const measured = values.slice(opts.warmup);
  const service: Latencies = [];
  const baseline: Latencies = [];
  const runService = (q: string) => deskSearch(rt, venueId, { venueId, q });
  const runBaseline = (q: string) => db.query<{ id: number }>(kind.baseline, [venueId, kind.param(q, crypto)]);
  for (const q of warm) {
    await runService(q);
    await runBaseline(q);
  }
  let rows = 0;
  let misses = 0;
  let disagreements = 0;
  for (const [i, q] of measured.entries()) {
    // Alternate which goes first, so neither always finds the pages the other just read.
    const timeService = async () => {
      const t0 = performance.now();
      const r = await runService(q);
      service.push(performance.now() - t0);
      return r;
    };
    const timeBaseline = async () => {
      // The baseline is given the index value; computing it is part of the service's time only.
      const p = kind.param(q, crypto);
      const t0 = performance.now();
      const r = await db.query<{ id: number }>(kind.baseline, [venueId, p]);
      baseline.push(performance.now() - t0);
      return r.rows.map((x) => x.id);
    };
    let s: Awaited<ReturnType<typeof runService>>;
    let b: number[];
    if (i % 2 === 0) {
      s = await timeService();
      b = await timeBaseline();
    } else {
      b = await timeBaseline();
      s = await timeService();
    }
    rows += s.length;
    if (!b.length) misses++;
    if (!agrees(kind, s, b)) disagreements++;
  }
  return { kind, service, baseline, meanRows: rows / Math.max(1, measured.length), misses, disagreements };
}

// ---------------------------------------------------------------------------------------------

async function sizes(c: pg.Client): Promise<string> {
  const r = await c.query<{ t: string; rows: string; total: string; idx: string }>(
    `SELECT relname AS t, CASE relname WHEN 'orders' THEN (SELECT count(*) FROM orders) ELSE (SELECT count(*) FROM tickets) END::text AS rows,
            pg_size_pretty(pg_total_relation_size(oid)) AS total,
            pg_size_pretty(pg_indexes_size(oid)) AS idx
     FROM pg_class WHERE relname IN ('orders', 'tickets') ORDER BY relname`,
  );
  return r.rows.map((x) => `${x.t} ${fmt(Number(x.rows))} rows, ${x.total} (indexes ${x.idx})`).join('; ');
}

async function main(): Promise<number> {
  assertLocalUrl(opts.databaseUrl, 'DATABASE_URL');
  const name = opts.reuse ?? `tw_bench_frontdesk_${process.pid}`;
  const u = new URL(opts.databaseUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const admin = async (sql: string) => {
    const a = new pg.Client({ connectionString: opts.databaseUrl });
    await a.connect();
    try {
      await a.query(sql);
    } finally {
      await a.end();
    }
  };
  const keep = opts.keep || opts.reuse !== undefined;
  let db: Database | undefined;
  let loader: pg.Client | undefined;
  const cleanup = async () => {
    await loader?.end().catch(() => {});
    await db?.close().catch(() => {});
    if (keep) log(`kept database ${name} (drop it with: psql -c 'DROP DATABASE ${name}')`);
    else await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((e) => log(`could not drop ${name}: ${e}`));
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log(`interrupted: ${keep ? 'keeping' : 'dropping'} the benchmark database`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    if (!opts.reuse) await admin(`CREATE DATABASE ${name}`);
    // The app's pool (its timeouts and type parsers) for the service and the baseline alike; a
    // plain client without the statement timeout for the load, whose statements run for seconds.
    db = await createDatabase({ databaseUrl: url, max: 4 });
    loader = new pg.Client({ connectionString: url });
    await loader.connect();
    const t0 = performance.now();
    const migrated = await migrate(db);
    if (migrated.applied.length) log(`migrations applied: ${migrated.applied.join(', ')}`);
    let key: Buffer;
    if (opts.reuse) {
      key = Buffer.from((await loader.query<{ key: string }>('SELECT key FROM bench_meta')).rows[0].key, 'hex');
      await loader.query('ANALYZE orders; ANALYZE tickets');
    } else {
      key = randomBytes(32);
      await loader.query('CREATE TABLE bench_meta (key text NOT NULL)');
      await loader.query('INSERT INTO bench_meta VALUES ($1)', [key.toString('hex')]);
      await seedDemo(db, `/tmp/tw-bench-frontdesk-${process.pid}`, CLI_ACTOR, () => {});
    }
    const crypto = createIdCrypto(key);
    const venueId = (await db.query<{ id: number }>('SELECT id FROM venues WHERE code = $1', [DEMO_VENUE.code])).rows[0]
      .id;

    if (!opts.reuse) {
      const channel = async (code: string) =>
        (await db!.query<{ id: number }>('SELECT id FROM channels WHERE code = $1', [code])).rows[0].id;
      const [win, ctrip, meituan, wechat] = await Promise.all(
        ['WINDOW-1', 'CTRIP', 'MEITUAN', 'WECHAT'].map((c) => channel(c)),
      );
      const type = (code: string, realName: boolean) =>
        upsertTicketType(
          db!,
          plainTicketType(venueId, code, { price_fen: 8000, draws_day_quota: false, real_name: realName }),
        );
      const cashier = await db.query<{ id: number }>("SELECT id FROM users WHERE email = 'frontdesk@demo.tidewatch'");
      const ctx: LoadContext = {
        venueId,
        channelIds: [win, win, win, win, ctrip, ctrip, ctrip, meituan, meituan, wechat],
        cashierId: cashier.rows[0].id,
        plainTypeId: await type('BENCH-DESK', false),
        namedTypeId: await type('BENCH-DESK-NAMED', true),
        idBase: Number((await loader.query<{ m: string }>('SELECT COALESCE(max(id), 0) AS m FROM orders')).rows[0].m),
      };
      log(`database ${name}: migrated and seeded in ${seconds(t0)}; generating ${fmt(opts.people)} people ...`);
      const tp = performance.now();
      await loadPeople(loader, makePeople(opts.people), crypto);
      log(`  people with encrypted ID numbers and keyed indexes in ${seconds(tp)}`);
      log(
        `loading ${fmt(opts.orders)} orders and ${fmt(opts.orders * TICKETS_PER_ORDER)} tickets (every index in place) ...`,
      );
      const tl = performance.now();
      await loadOrders(loader, ctx, opts.orders, opts.people);
      log(`  loaded in ${seconds(tl)}; VACUUM ANALYZE ...`);
      const tv = performance.now();
      await loader.query('VACUUM ANALYZE orders');
      await loader.query('VACUUM ANALYZE tickets');
      log(`  done in ${seconds(tv)}`);
    }
    log(`data: ${await sizes(loader)}`);
    // The load wrote gigabytes of WAL: without this, the checkpoint it triggered is still writing
    // them out while the first kinds are measured, and shows up as their tail.
    await loader.query('CHECKPOINT');

    // deskSearch reads rt.db and rt.sales.idCrypto only: the rest of a Runtime (sockets, ingest,
    // alarms) would add background work to the measurement without being on the search's path.
    const rt: Pick<Runtime, 'db' | 'sales'> = { db, sales: { db, idCrypto: crypto } };
    const perKind = opts.warmup + opts.queries;
    await loader.query('SELECT setseed($1)', [opts.seed]);
    const results: KindResult[] = [];
    for (const kind of KINDS) {
      const values = (await loader.query<{ v: string }>(kind.sample, [perKind])).rows.map((r) => r.v);
      const r = await measureKind(rt as Runtime, db, crypto, venueId, kind, values);
      log(
        `  ${kind.label}: ${r.service.length} queries, service p50 ${fmt(p50(r.service), 2)} / p95 ${fmt(p95(r.service), 2)} ms${r.misses ? `, ${r.misses} without a hit` : ''}${r.disagreements ? `, ${r.disagreements} DISAGREE with the baseline` : ''}`,
      );
      results.push(r);
    }

    const rows = results.map((r) => {
      const sp95 = p95(r.service);
      return [
        r.kind.label,
        fmt(r.service.length),
        fmt(r.meanRows, 1),
        fmt(p50(r.service), 2),
        fmt(sp95, 2),
        fmt(p50(r.baseline), 2),
        fmt(p95(r.baseline), 2),
        `${fmt(p50(r.service) / p50(r.baseline), 2)}x`,
        `${fmt(sp95 / p95(r.baseline), 2)}x`,
        `<= ${TARGET_P95_MS} ms`,
        sp95 <= TARGET_P95_MS ? 'PASS' : 'MISS',
        r.misses || r.disagreements ? `${r.misses} no hit, ${r.disagreements} disagree` : 'ok',
      ];
    });
    log(
      `\n${table(
        [
          'search kind',
          'queries',
          'rows/query',
          'service p50',
          'service p95',
          'SQL p50',
          'SQL p95',
          'ratio p50',
          'ratio p95',
          'target p95',
          '',
          'answers',
        ],
        rows,
      )}`,
    );
    log('(ms; service = deskSearch end to end, SQL = the same look-up written directly on the same index)\n');
    for (const r of results) {
      const sp95 = p95(r.service);
      log(
        `${r.kind.label}: service p95 ${fmt(sp95, 2)} ms (target <= ${TARGET_P95_MS} ms: ${sp95 <= TARGET_P95_MS ? 'PASS' : 'MISS'}), ` +
          `baseline SQL p95 ${fmt(p95(r.baseline), 2)} ms, ratio ${fmt(sp95 / p95(r.baseline), 2)}x (p50 ${fmt(p50(r.service) / p50(r.baseline), 2)}x)`,
      );
    }
    const settings = await loader.query<Record<string, string>>(
      `SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS shared_buffers,
              current_setting('work_mem') AS work_mem, current_setting('effective_cache_size') AS effective_cache_size,
              current_setting('random_page_cost') AS random_page_cost, current_setting('jit') AS jit`,
    );
    const cpu = os.cpus();
    log(
      `\nconditions: ${new Date().toISOString()}, node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), ` +
        `${fmt(os.totalmem() / 2 ** 30, 1)} GiB memory, PostgreSQL ${Object.entries(settings.rows[0])
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}; ${await sizes(loader)}; ${fmt(opts.people)} people; query sample seed ${opts.seed}; ` +
        `${opts.warmup} warm-up + ${opts.queries} measured queries per kind, one at a time; load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const bad = results.filter((r) => p95(r.service) > TARGET_P95_MS || r.misses || r.disagreements);
    if (bad.length) log(`FAILED: ${bad.map((r) => r.kind.label).join(', ')}`);
    return bad.length ? 1 : 0;
  } finally {
    if (!interrupted) await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench:frontdesk failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
