import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DemoGate } from '../../db/seed/demo-venue.ts';
import type { TScanReason } from '../../lib/schemas/scan.ts';
import { encodeTicketCode } from '../../lib/ticket-code.ts';
import type { SimClock } from './clock.ts';
import type { ScanOutcome, SimGateDevice } from './gate-device.ts';
import { pickWeighted, randomInt, type PartyKind } from './orders.ts';
import type { SimStats, ThrottledLog } from './stats.ts';

/** Visitors followed at once; beyond this the oldest parties are forgotten (their remaining scans never happen). */
export const MAX_TRACKED_PERSONS = 4_000;
/** Recently admitted single-entry codes, for the screenshot-sharing incidents. */
const RECENT_CODES = 200;
/** Chance that a person who just got in scans again (a new scan, same code) a few seconds later: ~1% of all scans. */
const DUPLICATE_P = 0.018;
/** Chance per arriving party that someone nearby shows a code that is no ticket (~0.5% of scans). */
const JUNK_P = 0.03;
/** Chance per arriving party that someone tries a screenshot of a ticket that was already used. */
const SHARED_P = 0.006;
/** Chance per arriving party, while a lane on its side is offline, that a used ticket is passed back over the fence and scanned there. */
const SHARED_AT_OFFLINE_P = 0.1;
/** Share of a refunded order's buyers who come anyway and get turned away. */
export const REFUNDED_SHOW_UP_P = 0.15;
/** Share of next-slot parties who come too early, are turned away and come back when the slot opens. */
export const EARLY_P = 0.1;
/** Share of ropeway ticket holders who actually ride (some run out of time). */
const RIDE_P = 0.9;
/** Share of two-day passes held by guests of the lodge (they check in and out at the hotel gates). */
const HOTEL_GUEST_P = 0.4;
/** Share of entries through the main gate; the rest arrive by the county road at the east gate. */
const MAIN_GATE_P = 0.72;
/** Share of tour groups of which a few members come later than the coach: the guide scans the group code again for them. */
const GROUP_STRAGGLER_P = 0.3;
/** Stragglers come this many simulated minutes after their group. */
const GROUP_STRAGGLER_SIM_MIN: [number, number] = [5, 20];
/** Share of tour groups of which one or two booked members never come (the desk shows booked > arrived). */
const GROUP_NO_SHOW_P = 0.2;
/** A group's visit (simulated minutes); its members then leave one by one over the next GROUP_EXIT_SPREAD_SIM_MIN. */
const GROUP_VISIT_SIM_MIN: [number, number] = [120, 300];
const GROUP_EXIT_SPREAD_SIM_MIN = 25;

export interface Person {
  /** The code shown at the park gates (the entry ticket, or the adult part of a combo). */
  entry: string;
  entryType: string;
  /** The ropeway ticket, when this person has one. */
  ropeway?: string;
}

export interface Party {
  channel: string;
  kind: PartyKind;
  persons: Person[];
  /** Real epoch ms of the first arrival at a gate. */
  arriveAt: number;
  /** Real epoch ms the party's slot starts admitting, when it comes too early on purpose. */
  earlyUntil?: number;
  /** The order was refunded: whoever comes is turned away. */
  refunded?: boolean;
  /** Real epoch ms after which the party's slot no longer admits (latecomers come before). */
  lastAt?: number;
  /** A tour group: the guide's group code, scanned with the headcount at a group lane of the main gate. */
  group?: { code: string; guide: string };
}

/**
 * The persons a group scan let in, in the order the server takes the group's tickets (the order's
 * own): per type as its answer says, the rest (an offline gate knows no types) from the front.
 */
export function admittedMembers(waiting: Person[], admitted: number, types: Record<string, number> = {}): Person[] {
  const taken = new Set<Person>();
  for (const [type, n] of Object.entries(types)) {
    for (const p of waiting.filter((x) => x.entryType === type && !taken.has(x)).slice(0, n)) taken.add(p);
  }
  for (const p of waiting) {
    if (taken.size >= admitted) break;
    taken.add(p);
  }
  return waiting.filter((p) => taken.has(p)).slice(0, admitted);
}

interface Routes {
  mainIn: DemoGate[];
  eastIn: DemoGate[];
  mainOut: DemoGate[];
  eastOut: DemoGate[];
  lowerIn: DemoGate[];
  lowerOut: DemoGate[];
  upperIn: DemoGate[];
  upperOut: DemoGate[];
  hotelLobby: DemoGate[];
  hotelPark: DemoGate[];
}

type Expect = 'admit' | TScanReason[];

const uniform = (a: number, b: number) => a + Math.random() * (b - a);

function junkCode(): string {
  switch (randomInt(0, 4)) {
    case 0:
      return `wxp://f2f0${randomBytes(12).toString('base64url')}`;
    case 1:
      return `https://u.wechat.com/${randomBytes(9).toString('base64url')}`;
    case 2:
      // A product barcode (EAN-13) from a drinks bottle.
      return `69${String(randomInt(0, 99_999_999_999)).padStart(11, '0')}`;
    default:
      // Well formed, but no ticket: a forged or foreign code.
      return encodeTicketCode(new Uint8Array(randomBytes(16)));
  }
}

/**
 * Visitors of the demo venue: each party sold by a channel arrives at a main or east gate around its
 * slot, may ride the ropeway up and down, may be hotel guests, and leaves after a few (compressed)
 * hours. Every move is a real scan at a simulated gate device.
 *
 * The checkpoints inside the park (FP, TC, YKS, YH, GS, VC) only send heartbeats: every ticket the
 * demo sells is a park entry ticket, so a second `in` scan there would be refused (`used` for
 * single-entry tickets, `passback` for passes) and turn the map red for no reason.
 */
export class Visitors {
  private readonly parties = new Map<number, { party: Party; ac: AbortController }>();
  private nextId = 0;
  private persons = 0;
  private readonly recent: string[] = [];
  private readonly routes: Routes;
  private isStopped = false;
  /** Persons forgotten because the tracker was full. */
  dropped = 0;

  constructor(
    private readonly deps: {
      devices: Map<string, SimGateDevice>;
      gates: DemoGate[];
      clock: SimClock;
      stats: SimStats;
      tlog: ThrottledLog;
    },
  ) {
    const have = deps.gates.filter((g) => deps.devices.has(g.code));
    const at = (prefix: string, dir: 'in' | 'out') =>
      have.filter((g) => g.code.startsWith(prefix) && (g.direction === dir || g.direction === 'both'));
    this.routes = {
      mainIn: at('MG-', 'in'),
      eastIn: at('EG-', 'in'),
      mainOut: at('MG-', 'out'),
      eastOut: at('EG-', 'out'),
      lowerIn: at('RL-', 'in'),
      lowerOut: at('RL-', 'out'),
      upperIn: at('RU-', 'in'),
      upperOut: at('RU-', 'out'),
      hotelLobby: have.filter((g) => g.code.startsWith('HT-') && g.kind === 'handheld' && g.direction === 'both'),
      hotelPark: have.filter((g) => g.code.startsWith('HT-') && g.kind === 'turnstile' && g.direction === 'both'),
    };
  }

  /** Persons currently followed. */
  get tracked(): number {
    return this.persons;
  }

  /** Starts following a party; forgets the oldest ones when too many are followed. */
  add(party: Party): void {
    if (this.isStopped || !party.persons.length) return;
    while (this.persons + party.persons.length > MAX_TRACKED_PERSONS && this.parties.size) {
      const [oldest, entry] = this.parties.entries().next().value!;
      entry.ac.abort();
      this.parties.delete(oldest);
      this.persons -= entry.party.persons.length;
      this.dropped += entry.party.persons.length;
    }
    const id = ++this.nextId;
    const ac = new AbortController();
    this.parties.set(id, { party, ac });
    this.persons += party.persons.length;
    void this.run(party, ac.signal)
      .catch((err: Error) => {
        if (err.name !== 'AbortError') this.deps.tlog.say(`flow:${err.message}`, `visitor flow failed: ${err.message}`);
      })
      .finally(() => {
        if (this.parties.delete(id)) this.persons -= party.persons.length;
      });
  }

  stop(): void {
    const g = this.deps.stats.groups;
    if (g.orders)
      this.deps.tlog.say(
        'groups-total',
        `tour groups: ${g.orders} sold, ${g.bookedToday} persons booked for today, ${g.arrived} groups came; ` +
          `${g.scans} group scans (${g.offlineScans} decided offline) let in ${g.admitted} persons, ` +
          `of them ${g.stragglers} stragglers in ${g.stragglerScans} second scans; ${g.noShows} booked members did not come`,
      );
    this.isStopped = true;
    for (const { ac } of this.parties.values()) ac.abort();
    this.parties.clear();
    this.persons = 0;
  }

  /** Gates some visitor route uses. */
  get routeGates(): Set<string> {
    return new Set(Object.values(this.routes).flatMap((list: DemoGate[]) => list.map((g) => g.code)));
  }

  private pick(list: DemoGate[], isGroup: boolean, direction: 'in' | 'out' = 'in'): DemoGate | undefined {
    if (!list.length) return undefined;
    // Handhelds staff the group and accessible lanes: groups and the elderly go there, few others;
    // on the way out most people just take the nearest exit turnstile.
    const handheld = direction === 'in' ? (isGroup ? 3 : 0.5) : isGroup ? 1 : 0.25;
    return pickWeighted(
      list,
      list.map((g) => (g.kind === 'handheld' ? handheld : 1)),
    );
  }

  private device(gate: DemoGate | undefined): SimGateDevice | undefined {
    return gate ? this.deps.devices.get(gate.code) : undefined;
  }

  /** One scan with bookkeeping: counts, and a note when the server's answer is not what the visitor expected. */
  private async scan(
    gate: DemoGate,
    code: string,
    direction: 'in' | 'out',
    expect: Expect,
    label: string,
    count?: number,
  ): Promise<ScanOutcome | undefined> {
    const device = this.device(gate);
    if (!device || this.isStopped) return undefined;
    const o = await device.scan(code, direction, count);
    const { stats, tlog } = this.deps;
    if (o.error) {
      if (o.error !== 'stopped') {
        stats.scanErrors++;
        tlog.say(`scan-error:${o.error.split(':')[0]}`, `gate ${gate.code}: scan refused by the server: ${o.error}`);
      }
      return o;
    }
    if (o.offline) stats.offlineQueued++;
    // Persons: a group scan stands for its headcount, of which `admitted` went through.
    const persons = o.group?.requested ?? 1;
    const through = o.result === 'admit' ? (o.group?.admitted ?? 1) : 0;
    stats.admitted += through;
    if (persons > through) stats.reject(o.offline ? `offline-${o.reason ?? 'reject'}` : o.reason, persons - through);
    if (o.group) {
      stats.groups.scans++;
      stats.groups.admitted += through;
      if (o.offline) stats.groups.offlineScans++;
    }
    if (!o.offline) {
      const ok =
        expect === 'admit'
          ? (o.result === 'admit' && through === persons) || o.reason === 'capacity'
          : o.result === 'reject' && expect.includes(o.reason!);
      if (!ok) {
        const got =
          o.result === 'admit'
            ? `admitted${o.group ? ` ${through} of ${persons}${o.reason ? ` (others ${o.reason})` : ''}` : ''}`
            : `refused (${o.reason})`;
        tlog.say(
          `surprise:${label}:${o.reason ?? o.result}`,
          `gate ${gate.code}: ${label} ${code.slice(0, 8)}… ${direction} ${got}, expected ${expect === 'admit' ? 'admit' : expect.join('/')}`,
        );
      }
    }
    return o;
  }

  /** A party goes through one gate person by person, a second or three apart; returns who got through. */
  private async pass(
    persons: Person[],
    gate: DemoGate | undefined,
    direction: 'in' | 'out',
    codeOf: (p: Person) => string | undefined,
    signal: AbortSignal,
  ): Promise<Person[]> {
    if (!gate) return [];
    const through: Person[] = [];
    let isFirst = true;
    for (const p of persons) {
      const code = codeOf(p);
      if (!code) continue;
      if (!isFirst) await sleep(uniform(1_200, 3_500), undefined, { signal });
      isFirst = false;
      const isRopeway = code === p.ropeway;
      const label = isRopeway ? 'ROPEWAY' : p.entryType;
      const o = await this.scan(gate, code, direction, 'admit', label);
      if (o?.result !== 'admit') continue;
      through.push(p);
      if (direction === 'in' && !isRopeway) {
        if (p.entryType !== 'TWO-DAY') {
          this.recent.push(code);
          if (this.recent.length > RECENT_CODES) this.recent.shift();
        }
        // The turnstile was slow, so they scan again: the server says used (or passback for passes).
        if (Math.random() < DUPLICATE_P)
          void this.later(uniform(2_000, 8_000), signal, () =>
            this.scan(gate, code, 'in', ['used', 'passback'], `duplicate ${label}`),
          );
      }
    }
    return through;
  }

  /** Runs an incident after a delay without holding up the party. */
  private later(ms: number, signal: AbortSignal, fn: () => Promise<unknown>): Promise<void> {
    return sleep(ms, undefined, { signal })
      .then(fn)
      .then(
        () => undefined,
        () => undefined,
      );
  }

  /** Someone at the gate shows a code that is not a ticket, or a screenshot of one already used. */
  private incidents(inList: DemoGate[], signal: AbortSignal): void {
    if (Math.random() < JUNK_P) {
      const gate = this.pick(inList, false);
      if (gate)
        void this.later(uniform(1_000, 5_000), signal, () =>
          this.scan(gate, junkCode(), 'in', ['invalid', 'unknown'], 'junk code'),
        );
    }
    if (!this.recent.length) return;
    const code = this.recent[randomInt(0, this.recent.length - 1)];
    // An offline lane cannot know the ticket was used elsewhere: the fraud it invites, a conflict once uploaded.
    const offline = inList.filter((g) => this.deps.devices.get(g.code)?.isOffline);
    if (offline.length && Math.random() < SHARED_AT_OFFLINE_P) {
      const gate = offline[randomInt(0, offline.length - 1)];
      void this.later(uniform(1_000, 5_000), signal, () =>
        this.scan(gate, code, 'in', ['used', 'passback'], 'ticket passed back'),
      );
    } else if (Math.random() < SHARED_P) {
      const gate = this.pick([...this.routes.mainIn, ...this.routes.eastIn], false);
      if (gate)
        void this.later(uniform(1_000, 5_000), signal, () =>
          this.scan(gate, code, 'in', ['used', 'passback'], 'shared screenshot'),
        );
    }
  }

  /**
   * A tour group: the coach stops at the main gate and the guide takes the group to its handheld
   * lane, where the group code is scanned once with the headcount present. A few may come later
   * (a second scan for them), one or two may never come. Inside, the members go their own ways and
   * leave one by one through the exit turnstiles with their own tickets.
   */
  private async runGroup(
    party: Party & { group: { code: string; guide: string } },
    signal: AbortSignal,
  ): Promise<void> {
    const { clock, stats, tlog } = this.deps;
    const wait = (ms: number) => sleep(Math.max(0, ms), undefined, { signal });
    const simWait = (minA: number, minB: number) => wait(clock.realMs(uniform(minA, minB)));
    const r = this.routes;
    await wait(party.arriveAt - Date.now());
    const { code } = party.group;
    const persons = party.persons;
    const booked = persons.length;
    const name = `group ${code.slice(0, 8)}… (${party.channel}, ${booked} booked, guide ${party.group.guide})`;
    const side = r.mainIn.length ? r.mainIn : r.eastIn;
    const lanes = side.filter((g) => g.kind === 'handheld');
    const lane = () => (lanes.length ? lanes[randomInt(0, lanes.length - 1)] : this.pick(side, true));
    const gate = lane();
    if (!gate) return;
    this.incidents(side, signal);

    if (party.refunded) {
      await this.scan(gate, code, 'in', ['refunded'], 'refunded group', booked);
      return;
    }
    if (party.earlyUntil && Date.now() < party.earlyUntil - 60_000) {
      await this.scan(gate, code, 'in', ['outside_slot'], 'early group', booked);
      await wait(party.earlyUntil - Date.now() + uniform(5_000, 90_000));
    }

    const noShows = booked > 4 && Math.random() < GROUP_NO_SHOW_P ? randomInt(1, 2) : 0;
    const late =
      booked - noShows > 2 && Math.random() < GROUP_STRAGGLER_P ? randomInt(1, Math.min(5, booked - noShows - 2)) : 0;
    const present = booked - noShows - late;

    // The coach's headcount; when the zone is full the group waits and the guide tries again.
    let o: ScanOutcome | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      if (attempt) await simWait(8, 15);
      o = await this.scan(gate, code, 'in', 'admit', 'group', present);
      if (o?.result === 'admit' || o?.reason !== 'capacity') break;
    }
    if (o?.result !== 'admit') {
      tlog.say(`group:${code}`, `${name}: turned away at ${gate.code} (${o?.error ?? o?.reason ?? 'no gate'})`);
      return;
    }
    stats.groups.arrived++;
    stats.groups.noShows += noShows;
    if (!o.offline && !o.group)
      tlog.say('surprise:group-ack', `gate ${gate.code}: ${name}: the answer to a group scan has no \`group\``);
    let inside = admittedMembers(persons, o.group?.admitted ?? present, o.group?.types);
    // Until an offline scan is uploaded the server's count and choice of tickets do not include it.
    const hadOffline = o.offline;
    const plan = [late ? `${late} come later` : '', noShows ? `${noShows} will not come` : '']
      .filter(Boolean)
      .join(', ');
    tlog.say(
      `group:${code}`,
      `${name}: ${inside.length} of ${present} let in at ${gate.code}${o.offline ? ' (offline, decided by the handheld)' : ''}` +
        `${o.group?.left !== undefined ? `, ${o.group.left} left` : ''}${plan ? `; ${plan}` : ''}`,
    );
    this.checkLeft(name, o, booked - inside.length);
    const leaveAt = Date.now() + clock.realMs(uniform(...GROUP_VISIT_SIM_MIN));

    if (late) {
      const from = Date.now();
      const comeAt = Math.min(
        from + clock.realMs(uniform(...GROUP_STRAGGLER_SIM_MIN)),
        party.lastAt ?? Number.POSITIVE_INFINITY,
      );
      await wait(comeAt - from);
      const afterMin = Math.round(((Date.now() - from) * clock.speed) / 60_000);
      const again = lane() ?? gate;
      const s = await this.scan(again, code, 'in', 'admit', 'group stragglers', late);
      if (s?.result === 'admit') {
        const waiting = persons.filter((p) => !inside.includes(p));
        // After an offline scan the server may have given these persons' tickets to the first scan: go by order.
        const more = admittedMembers(waiting, s.group?.admitted ?? late, hadOffline ? {} : s.group?.types);
        inside = [...inside, ...more];
        stats.groups.stragglerScans++;
        stats.groups.stragglers += more.length;
        tlog.say(
          `group:${code}:late`,
          `${name}: ${more.length} stragglers let in ${afterMin} simulated minutes later ` +
            `at ${again.code}${s.offline ? ' (offline)' : ''}${s.group?.left !== undefined ? `, ${s.group.left} left` : ''}`,
        );
        if (!hadOffline) this.checkLeft(name, s, booked - inside.length);
      }
    }
    await this.leaveOneByOne(inside, leaveAt, signal);
  }

  /** A note when the server's count of a group's unused tickets is not what the simulator expects. */
  private checkLeft(name: string, o: ScanOutcome, expected: number): void {
    if (o.offline || o.group?.left === undefined || o.group.left === expected) return;
    this.deps.tlog.say(
      `surprise:group-left`,
      `${name}: the server counts ${o.group.left} of its tickets unused, the simulator ${expected}`,
    );
  }

  /**
   * A group's members leave on their own after its visit ends, spread over a while, each through an
   * exit turnstile of the main gate (where the coach waits) with their own ticket.
   */
  private async leaveOneByOne(members: Person[], leaveAt: number, signal: AbortSignal): Promise<void> {
    const { clock } = this.deps;
    const outs = this.routes.mainOut.length ? this.routes.mainOut : this.routes.eastOut;
    const turnstiles = outs.filter((g) => g.kind === 'turnstile');
    const exits = members
      .map((p) => ({ p, at: leaveAt + clock.realMs(uniform(0, GROUP_EXIT_SPREAD_SIM_MIN)) }))
      .sort((a, b) => a.at - b.at);
    const scans: Promise<unknown>[] = [];
    for (const { p, at } of exits) {
      await sleep(Math.max(0, at - Date.now()), undefined, { signal });
      const gate = turnstiles.length ? turnstiles[randomInt(0, turnstiles.length - 1)] : this.pick(outs, false, 'out');
      // Several turnstiles at once: one person's scan does not hold up the next.
      scans.push(this.pass([p], gate, 'out', (x) => x.entry, signal));
    }
    await Promise.all(scans);
  }

  private async run(party: Party, signal: AbortSignal): Promise<void> {
    if (party.group) return this.runGroup({ ...party, group: party.group }, signal);
    const { clock } = this.deps;
    const wait = (ms: number) => sleep(Math.max(0, ms), undefined, { signal });
    const simWait = (minA: number, minB: number) => wait(clock.realMs(uniform(minA, minB)));
    const r = this.routes;
    await wait(party.arriveAt - Date.now());
    const persons = party.persons;
    const isGroup = persons.length >= 5 || (persons.some((p) => p.entryType === 'SENIOR') && Math.random() < 0.5);
    const isHotelGuest =
      party.kind === 'two-day' && r.hotelLobby.length > 0 && r.hotelPark.length > 0 && Math.random() < HOTEL_GUEST_P;
    const side = Math.random() < MAIN_GATE_P ? 'main' : 'east';
    const inList = isHotelGuest ? r.hotelLobby : side === 'main' ? r.mainIn : r.eastIn;
    this.incidents(inList, signal);

    if (party.refunded) {
      const gate = this.pick(inList, isGroup);
      if (gate) await this.scan(gate, persons[0].entry, 'in', ['refunded'], 'refunded ticket');
      return;
    }
    if (party.earlyUntil && Date.now() < party.earlyUntil - 60_000) {
      const gate = this.pick(inList, isGroup);
      if (gate) await this.scan(gate, persons[0].entry, 'in', ['outside_slot'], 'early arrival');
      await wait(party.earlyUntil - Date.now() + uniform(5_000, 90_000));
    }

    // In, retrying a few times when the zone is full.
    let outside = persons;
    let inside: Person[] = [];
    for (let attempt = 0; attempt < 4 && outside.length; attempt++) {
      if (attempt) await simWait(8, 15);
      const got = await this.pass(outside, this.pick(inList, isGroup), 'in', (p) => p.entry, signal);
      inside = [...inside, ...got];
      outside = outside.filter((p) => !got.includes(p));
    }
    if (!inside.length) return;
    const leaveAt = Date.now() + clock.realMs(uniform(90, 300));

    if (isHotelGuest) {
      // Check in at the lobby, walk into the park through the lodge's park-side gate, come back for the night, check out next morning.
      await simWait(20, 60);
      const park = this.pick(r.hotelPark, false);
      await this.pass(inside, park, 'out', (p) => p.entry, signal);
      await wait(leaveAt - Date.now());
      const back = await this.pass(inside, park, 'in', (p) => p.entry, signal);
      await simWait(10 * 60, 14 * 60);
      await this.pass(back, this.pick(r.hotelLobby, false), 'out', (p) => p.entry, signal);
      return;
    }

    const riders = inside.filter((p) => p.ropeway);
    if (riders.length && Math.random() < RIDE_P) {
      await simWait(15, 50);
      const up = await this.pass(riders, this.pick(r.lowerIn, false), 'in', (p) => p.ropeway, signal);
      await simWait(7, 10);
      await this.pass(up, this.pick(r.upperOut, false), 'out', (p) => p.ropeway, signal);
      // Heavenly Lake and the Sea of Clouds, then the ride down.
      await simWait(45, 120);
      const down = await this.pass(up, this.pick(r.upperIn, false), 'in', (p) => p.ropeway, signal);
      await simWait(7, 10);
      await this.pass(down, this.pick(r.lowerOut, false), 'out', (p) => p.ropeway, signal);
    } else if (party.kind === 'two-day' && Math.random() < 0.3) {
      // Out for lunch in the village, back in the afternoon: the second entry of the day.
      await simWait(60, 120);
      const outList = side === 'main' ? r.mainOut : r.eastOut;
      const left = await this.pass(inside, this.pick(outList, isGroup, 'out'), 'out', (p) => p.entry, signal);
      await simWait(40, 90);
      inside = await this.pass(left, this.pick(inList, isGroup), 'in', (p) => p.entry, signal);
    }

    await wait(leaveAt - Date.now());
    const exitSide = Math.random() < 0.8 ? side : side === 'main' ? 'east' : 'main';
    await this.pass(
      inside,
      this.pick(exitSide === 'main' ? r.mainOut : r.eastOut, isGroup, 'out'),
      'out',
      (p) => p.entry,
      signal,
    );
  }
}
