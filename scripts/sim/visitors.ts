import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DemoAttraction, DemoGate } from '../../db/seed/demo-venue.ts';
import type { TScanReason } from '../../lib/schemas/scan.ts';
import { encodeTicketCode } from '../../lib/ticket-code.ts';
import { minutesOf } from '../../lib/venue-time.ts';
import type { SimClock } from './clock.ts';
import type { ScanOutcome, SimGateDevice } from './gate-device.ts';
import { pickWeighted, randomInt, type PartyKind } from './orders.ts';
import {
  boardingGates,
  checkpointsOf,
  chooseRoute,
  type Crossing,
  crossingsOutOf,
  crossingsTo,
  type EntrySide,
  isOpen,
  liftOptions,
  nextRide,
  placeAfter,
  ridesNow,
  type Route,
  type SKIER_WEIGHTS,
  type Stop,
  type SummitStop,
  type ValleyStop,
} from './routes.ts';
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
/** After its guided walk a group has free time (simulated minutes); its members then leave one by one over GROUP_EXIT_SPREAD_SIM_MIN. */
const GROUP_FREE_SIM_MIN: [number, number] = [20, 60];
const GROUP_EXIT_SPREAD_SIM_MIN = 25;
/** Walking between two stops (simulated minutes). */
const WALK_SIM_MIN: [number, number] = [5, 15];
/** Simulated minutes at the ropeway stations: leaving the cabin, the view, the queue. */
const STATION_SIM_MIN: [number, number] = [3, 8];
const LAKE_SIM_MIN: [number, number] = [30, 70];
const CLOUDS_SIM_MIN: [number, number] = [20, 40];
/** Hiking down from the lake through the gorge when the ropeway is closed (simulated minutes). */
const HIKE_DOWN_SIM_MIN: [number, number] = [60, 100];
/** A ski session (simulated minutes); a points card skis until its points run out, up to three times as long. */
const SKI_SESSION_SIM_MIN: [number, number] = [150, 300];
/** Skiing down after a chairlift ride (simulated minutes, after the ride itself), and after a magic carpet's. */
const SKI_RUN_SIM_MIN: [number, number] = [6, 15];
const CARPET_RUN_SIM_MIN: [number, number] = [4, 8];
/**
 * A beginner's slope takes a while whatever the simulated clock (real ms): without it a carpet,
 * which has no ride gap, would carry a beginner every few seconds at a fast clock while the
 * chairlifts wait out their gaps in real time.
 */
const CARPET_MIN_CYCLE_MS = 45_000;
/** The longest skiers wait at the foot of the ropeway for the lifts to open (simulated minutes). */
const SKI_WAIT_FOR_OPENING_SIM_MIN = 90;
/** Chance per chairlift ride of a day pass that a friend borrows the card right after and is refused (staged: ride_too_soon). */
const LIFT_PASS_SHARED_P = 0.04;
/** Chance per ropeway add-on holder that they show the ropeway ticket at the station's exit check (staged: not_inside). */
const WRONG_TICKET_P = 0.03;
/** Of the skiers, how many are experts, intermediates and beginners; points cards are bought by occasional skiers. */
const SKIER_LEVELS: [keyof typeof SKIER_WEIGHTS, number][] = [
  ['expert', 40],
  ['intermediate', 48],
  ['beginner', 12],
];
const POINTS_SKIER_LEVELS: [keyof typeof SKIER_WEIGHTS, number][] = [
  ['intermediate', 70],
  ['beginner', 30],
];
/** Zones of the gate plazas, by the side a party came in by. */
const PLAZA: Record<EntrySide, string> = { main: 'MAIN-PLAZA', east: 'EAST-PLAZA', hotel: 'HOTEL' };

export interface Person {
  /** The code shown at the park gates and the transfers (the entry ticket). */
  entry: string;
  entryType: string;
  /** The entry ticket may enter again today (passes): screenshots of it are no sure refusal. */
  multiEntry?: boolean;
  /** Rides the entry ticket includes, per attraction (null: unlimited): a combo's ropeway, a ski pass's lifts. */
  rides?: Record<string, number | null>;
  /** A points card's points. */
  points?: number;
  /** An attraction-only ropeway ticket bought on top: rides the ropeway, moves nobody. */
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
  /** Real epoch ms by which the party has left (a night session's tickets admit nowhere inside after it). */
  leaveBy?: number;
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

type Expect = 'admit' | TScanReason[];

const uniform = (a: number, b: number) => a + Math.random() * (b - a);
const pickOne = <T>(list: readonly T[]): T | undefined =>
  list.length ? list[randomInt(0, list.length - 1)] : undefined;

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

/** The code a person rides the ropeway with: their own ticket when it includes the rides, else the add-on. */
function ropewayCode(p: Person): string | undefined {
  return p.rides && 'ROPEWAY' in p.rides ? p.entry : p.ropeway;
}

/** A party on its way: who is with it, where it is (the zone its last scan put it in), how it scans. */
interface Walk {
  party: Party;
  here: Person[];
  zone: string | null;
  /** Many people or seniors: they use the handheld lanes. */
  big: boolean;
  signal: AbortSignal;
}

/** A skier's balance as the simulator knows it: rides left per lift (null: unlimited) and points left. */
interface Balance {
  rides: Record<string, number | null>;
  points?: number;
}

/**
 * Visitors of the demo venue: each party sold by a channel arrives at a main or east gate around its
 * slot (lodge guests at the lobby), walks a route along the zone graph (the gorge, the Welcoming
 * Pine, the visitor centre, the temple's checkpoint; the summit by ropeway for those holding
 * ropeway rides; the ski area and its lifts for skiers) with a dwell at each stop, and leaves.
 * Every move is a real scan at a simulated gate device, and the simulator keeps its own count of
 * where every ticket is, which is what the server's zones must show.
 */
export class Visitors {
  private readonly parties = new Map<number, { party: Party; ac: AbortController }>();
  private nextId = 0;
  private persons = 0;
  private readonly recent: string[] = [];
  private readonly have: DemoGate[];
  private readonly attractions: Map<string, DemoAttraction>;
  private isStopped = false;
  /** Persons forgotten because the tracker was full. */
  dropped = 0;
  /** Where each ticket inside is (zone code), as the simulator expects the server to have it. */
  private readonly where = new Map<string, string>();
  private readonly occupancy = new Map<string, number>();
  private day: string | undefined;
  /** Gates some visitor scanned at. */
  readonly usedGates = new Set<string>();

  constructor(
    private readonly deps: {
      devices: Map<string, SimGateDevice>;
      gates: DemoGate[];
      attractions: DemoAttraction[];
      clock: SimClock;
      stats: SimStats;
      tlog: ThrottledLog;
    },
  ) {
    this.have = deps.gates.filter((g) => deps.devices.has(g.code));
    this.attractions = new Map(deps.attractions.map((a) => [a.code, a]));
  }

  /** Persons currently followed. */
  get tracked(): number {
    return this.persons;
  }

  /** People per zone as the simulator counts them (its own record of every admitted move), largest first. */
  zones(): [string, number][] {
    this.rollDay();
    return [...this.occupancy.entries()].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
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

  // ---- where tickets are ----

  /** Occupancy starts again at zero every business day, at the server as here. */
  private rollDay(): void {
    const day = this.deps.clock.realLocal().day;
    if (this.day === day) return;
    this.day = day;
    this.where.clear();
    this.occupancy.clear();
  }

  private placeOf(code: string): string | null {
    this.rollDay();
    return this.where.get(code) ?? null;
  }

  private place(code: string, to: string | null): void {
    const from = this.placeOf(code);
    if (from === to) return;
    if (from) this.occupancy.set(from, (this.occupancy.get(from) ?? 1) - 1);
    if (to) {
      this.occupancy.set(to, (this.occupancy.get(to) ?? 0) + 1);
      this.where.set(code, to);
    } else this.where.delete(code);
  }

  // ---- gates and scans ----

  private gate(code: string | undefined): DemoGate | undefined {
    return code ? this.have.find((g) => g.code === code) : undefined;
  }

  /** One of several crossings: handhelds staff the group and accessible lanes, where groups and the elderly go. */
  private pick(list: readonly Crossing[], big: boolean): Crossing | undefined {
    const usable = list.filter((c) => this.deps.devices.has(c.gate.code));
    if (!usable.length) return undefined;
    const handheld = usable[0].direction === 'in' ? (big ? 3 : 0.5) : big ? 1 : 0.25;
    return pickWeighted(
      usable,
      usable.map((c) => (c.gate.kind === 'handheld' && c.gate.edge === 'perimeter' ? handheld : 1)),
    );
  }

  private attraction(code: string): DemoAttraction | undefined {
    return this.attractions.get(code);
  }

  /** Whether visitors ride an attraction now: open by the simulated day and by the real clock the server decides on. */
  private rides(code: string): boolean {
    const a = this.attraction(code);
    if (!a) return false;
    const { clock } = this.deps;
    return ridesNow(a, clock.simMinute(), clock.realLocal().minute);
  }

  /**
   * One scan with bookkeeping: counts, rides, where the ticket is now, and a surprise note when the
   * server's answer is not what the visitor expected. `moves`: a park ticket, which the scan moves
   * (not an attraction-only ticket, a junk code or a group code).
   */
  private async scan(
    gate: DemoGate,
    code: string,
    direction: 'in' | 'out',
    expect: Expect,
    label: string,
    opts: { count?: number; moves?: boolean } = {},
  ): Promise<ScanOutcome | undefined> {
    const device = this.deps.devices.get(gate.code);
    if (!device || this.isStopped) return undefined;
    this.usedGates.add(gate.code);
    const o = await device.scan(code, direction, opts.count);
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
    } else if (through) {
      if (gate.edge === 'attraction' && gate.attraction) stats.ride(gate.attraction);
      if (opts.moves) this.place(code, placeAfter(gate, direction, this.placeOf(code)));
    }
    if (!o.offline) {
      const ok =
        expect === 'admit'
          ? (o.result === 'admit' && through === persons) || o.reason === 'capacity'
          : o.result === 'reject' && expect.includes(o.reason!);
      if (!ok) {
        stats.surprises++;
        const got =
          o.result === 'admit'
            ? `admitted${o.group ? ` ${through} of ${persons}${o.reason ? ` (others ${o.reason})` : ''}` : ''}`
            : `refused (${o.reason})`;
        tlog.say(
          `surprise:${label}:${gate.code}:${o.reason ?? o.result}`,
          `surprise: gate ${gate.code}: ${label} ${code.slice(0, 8)}… ${direction} ${got}, expected ${expect === 'admit' ? 'admit' : expect.join('/')}`,
        );
      }
    }
    return o;
  }

  /**
   * A party goes through one gate person by person, a second or three apart (quicker at the inner
   * gates, where a guide walks their group through); returns who got through. `codeOf` says which
   * of a person's tickets they show, `expect` what they expect (default: to be let through).
   */
  private async pass(
    persons: Person[],
    crossing: Crossing | undefined,
    codeOf: (p: Person) => string | undefined,
    signal: AbortSignal,
    opts: { expect?: (p: Person) => Expect; label?: string; onAnswer?: (p: Person, o: ScanOutcome) => void } = {},
  ): Promise<Person[]> {
    if (!crossing) return [];
    const { gate, direction } = crossing;
    const through: Person[] = [];
    const spacing: [number, number] = gate.edge === 'perimeter' ? [1_200, 3_500] : [700, 2_000];
    let isFirst = true;
    for (const p of persons) {
      const code = codeOf(p);
      if (!code) continue;
      if (!isFirst) await sleep(uniform(...spacing), undefined, { signal });
      isFirst = false;
      const isEntry = code === p.entry;
      const label = opts.label ?? (isEntry ? p.entryType : 'ROPEWAY');
      const o = await this.scan(gate, code, direction, opts.expect?.(p) ?? 'admit', label, { moves: isEntry });
      if (o && !o.error) opts.onAnswer?.(p, o);
      if (o?.result !== 'admit') continue;
      through.push(p);
      if (direction === 'in' && isEntry && gate.edge === 'perimeter') {
        if (!p.multiEntry) {
          this.recent.push(code);
          if (this.recent.length > RECENT_CODES) this.recent.shift();
        }
        // The turnstile was slow, so they scan again: the server says used (or passback for passes).
        if (Math.random() < DUPLICATE_P)
          void this.later(uniform(2_000, 8_000), signal, () => {
            this.deps.stats.stage('scanned twice at a slow turnstile');
            return this.scan(gate, code, 'in', ['used', 'passback'], `duplicate ${label}`);
          });
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
  private incidents(inList: Crossing[], signal: AbortSignal): void {
    const { stats } = this.deps;
    if (Math.random() < JUNK_P) {
      const c = this.pick(inList, false);
      if (c)
        void this.later(uniform(1_000, 5_000), signal, () => {
          stats.stage('junk code');
          return this.scan(c.gate, junkCode(), 'in', ['invalid', 'unknown'], 'junk code');
        });
    }
    if (!this.recent.length) return;
    const code = this.recent[randomInt(0, this.recent.length - 1)];
    // An offline lane cannot know the ticket was used elsewhere: the fraud it invites, a conflict once uploaded.
    const offline = inList.filter((c) => this.deps.devices.get(c.gate.code)?.isOffline);
    if (offline.length && Math.random() < SHARED_AT_OFFLINE_P) {
      const c = offline[randomInt(0, offline.length - 1)];
      void this.later(uniform(1_000, 5_000), signal, () => {
        stats.stage('ticket passed back at an offline lane');
        // Admitted offline, it moves the ticket once uploaded, as the server does with such a fact.
        return this.scan(c.gate, code, 'in', ['used', 'passback'], 'ticket passed back', { moves: true });
      });
    } else if (Math.random() < SHARED_P) {
      const c = this.pick(
        [...crossingsTo(this.have, null, PLAZA.main), ...crossingsTo(this.have, null, PLAZA.east)],
        false,
      );
      if (c)
        void this.later(uniform(1_000, 5_000), signal, () => {
          stats.stage('shared screenshot');
          return this.scan(c.gate, code, 'in', ['used', 'passback'], 'shared screenshot');
        });
    }
  }

  // ---- walking ----

  private wait(ms: number, signal: AbortSignal): Promise<void> {
    return sleep(Math.max(0, ms), undefined, { signal });
  }

  /** Waits simulated minutes, never past the party's last moment inside (a night session's end). */
  private simWait(w: Walk, [a, b]: [number, number]): Promise<void> {
    let ms = this.deps.clock.realMs(uniform(a, b));
    if (w.party.leaveBy) ms = Math.min(ms, w.party.leaveBy - Date.now());
    return this.wait(ms, w.signal);
  }

  /** Whether the party must head for the exit now (its night session ends soon). */
  private mustLeave(w: Walk): boolean {
    return w.party.leaveBy !== undefined && Date.now() > w.party.leaveBy - this.deps.clock.realMs(20);
  }

  /** The party crosses into `to` (from where it is), everyone who is with it; the refused stay behind. */
  private async cross(w: Walk, to: string | null, through?: string): Promise<Person[]> {
    const c = this.pick(crossingsTo(this.have, w.zone, to, through), w.big);
    if (!c) return [];
    const got = await this.pass(w.here, c, (p) => p.entry, w.signal);
    if (got.length) w.zone = to;
    return got;
  }

  /** A valley stop: in through its transfer, a while there, out by its way back; or the temple's checkpoint. */
  private async visit(w: Walk, stop: ValleyStop): Promise<void> {
    const checkpoint = pickOne(checkpointsOf(this.have, stop.zone));
    if (checkpoint) {
      await this.pass(w.here, { gate: checkpoint, direction: 'in' }, (p) => p.entry, w.signal);
      await this.simWait(w, stop.dwell);
      return;
    }
    const from = w.zone;
    const c = this.pick(crossingsTo(this.have, from, stop.zone), w.big);
    if (!c) return;
    const inside = await this.pass(w.here, c, (p) => p.entry, w.signal);
    if (!inside.length) return;
    await this.simWait(w, stop.dwell);
    const back = this.pick(crossingsOutOf(this.have, stop.zone), w.big);
    if (!back) return;
    await this.pass(inside, back, (p) => p.entry, w.signal);
    w.zone = placeAfter(back.gate, back.direction, stop.zone);
  }

  /**
   * Up the ropeway from the valley: the riders' ride (a combo's own ticket, or the add-on), a while
   * in the upper station, and out of it towards `to` (the lake, or the Sea of Clouds lookout).
   */
  private async rideUp(w: Walk, to: string): Promise<Person[]> {
    const riders = w.here.filter((p) => ropewayCode(p));
    const board = pickOne(boardingGates(this.have, 'ROPEWAY', 'ROPEWAY-UPPER'));
    if (!riders.length || !board) return [];
    const up = await this.pass(riders, { gate: board, direction: 'in' }, ropewayCode, w.signal);
    if (!up.length) return [];
    w.here = up;
    // A combo's ride put its holder in the upper station; an add-on's moved nobody (the entry ticket keeps the place).
    w.zone = 'ROPEWAY-UPPER';
    await this.simWait(w, STATION_SIM_MIN);
    const exit = this.pick(crossingsTo(this.have, 'ROPEWAY-UPPER', to), false);
    if (exit) {
      for (const p of up) {
        if (!p.ropeway || Math.random() >= WRONG_TICKET_P) continue;
        // Staged: the ropeway ticket shown at the station's exit check; it keeps nobody's place.
        this.deps.stats.stage('ropeway ticket shown at a transfer');
        await this.scan(exit.gate, p.ropeway, exit.direction, ['not_inside'], 'ropeway ticket at a transfer');
      }
      await this.pass(up, exit, (p) => p.entry, w.signal);
    }
    w.zone = to;
    return up;
  }

  /** Down from the summit: the ropeway to the lower station and out of it, or, when it is closed, the hike down the gorge. */
  private async comeDown(w: Walk): Promise<void> {
    const board = pickOne(boardingGates(this.have, 'ROPEWAY', 'ROPEWAY-LOWER'));
    let walkers = w.here;
    if (board && this.rides('ROPEWAY')) {
      const riders = w.here.filter((p) => ropewayCode(p));
      const down = await this.pass(riders, { gate: board, direction: 'in' }, ropewayCode, w.signal);
      walkers = w.here.filter((p) => !down.includes(p));
      if (down.length) {
        await this.simWait(w, STATION_SIM_MIN);
        const exit = this.pick(crossingsTo(this.have, 'ROPEWAY-LOWER', 'MAIN-PLAZA'), false);
        if (exit) await this.pass(down, exit, (p) => p.entry, w.signal);
      }
    }
    if (walkers.length) {
      await this.simWait(w, HIKE_DOWN_SIM_MIN);
      const exit = this.pick(crossingsTo(this.have, 'TIANCHI', 'MAIN-PLAZA', 'FEIPU-GORGE'), false);
      if (exit) await this.pass(walkers, exit, (p) => p.entry, w.signal);
    }
    w.zone = 'MAIN-PLAZA';
  }

  /** The lake, perhaps the Sea of Clouds (before or after it), and down again. */
  private async summit(w: Walk, stop: SummitStop): Promise<void> {
    if (!this.rides('ROPEWAY') || Math.random() >= RIDE_P) return;
    const stayed = w.here;
    const up = await this.rideUp(w, stop.clouds === 'before' ? 'YUNHAI' : 'TIANCHI');
    if (!up.length) {
      w.here = stayed;
      return;
    }
    if (stop.clouds === 'before') {
      await this.simWait(w, CLOUDS_SIM_MIN);
      await this.cross(w, 'TIANCHI');
    }
    await this.simWait(w, LAKE_SIM_MIN);
    if (stop.clouds === 'after') {
      const got = await this.cross(w, 'YUNHAI');
      if (got.length) await this.simWait(w, CLOUDS_SIM_MIN);
    }
    await this.comeDown(w);
    // Those without ropeway rides waited in the valley.
    w.here = stayed;
  }

  /**
   * Skiers: up the ropeway (waiting at its foot a little when it or the lifts open soon), into the
   * ski area, a session on the lifts, back to the lake and down.
   */
  private async ski(w: Walk): Promise<void> {
    const { clock, stats } = this.deps;
    const lifts = [...this.attractions.values()].filter((a) => a.kind === 'lift' || a.kind === 'carpet');
    const firstOpen = Math.min(...lifts.map((a) => minutesOf(a.opens)));
    const until = firstOpen - clock.simMinute();
    if (until > 0 && until <= SKI_WAIT_FOR_OPENING_SIM_MIN) await this.wait(clock.realMs(until + 2), w.signal);
    const real = clock.realLocal().minute;
    if (!this.rides('ROPEWAY') || !lifts.some((a) => isOpen(a, clock.simMinute()) && isOpen(a, real, 10))) return;
    const skiers = w.here.filter((p) => p.points || Object.keys(p.rides ?? {}).some((a) => a !== 'ROPEWAY'));
    const stayed = w.here;
    w.here = skiers;
    const up = await this.rideUp(w, 'TIANCHI');
    if (!up.length) {
      w.here = stayed;
      return;
    }
    stats.skiParties++;
    await this.simWait(w, [3, 10]);
    const inArea = await this.cross(w, 'SKI-AREA');
    if (inArea.length) {
      w.here = inArea;
      await this.skiSession(w);
      await this.cross(w, 'TIANCHI');
      await this.simWait(w, [5, 20]);
    }
    await this.comeDown(w);
    w.here = stayed;
  }

  /**
   * Rides the lifts together until the session is over, the lifts close (by either clock) or a card
   * runs out: the next lift by the ride-gap schedule (real time: never the same chairlift within its
   * gap), each skier's expectation by what their ticket has left, a staged borrowed card now and
   * then. Skiers of one party hold the same kind of pass.
   */
  private async skiSession(w: Walk): Promise<void> {
    const { clock, stats } = this.deps;
    const lead = w.here[0];
    const levels = lead.points ? POINTS_SKIER_LEVELS : SKIER_LEVELS;
    const level = pickWeighted(
      levels.map(([l]) => l),
      levels.map(([, n]) => n),
    );
    const options = liftOptions(
      [...this.attractions.values()],
      { rides: Object.keys(lead.rides ?? {}), points: !!lead.points },
      level,
    );
    const balances = new Map<Person, Balance>(
      w.here.map((p) => [p, { rides: { ...p.rides }, ...(p.points ? { points: p.points } : {}) }]),
    );
    // A points card skis until its points run out (or the lifts close), within three sessions' time.
    const span = clock.realMs(uniform(...SKI_SESSION_SIM_MIN)) * (lead.points ? 3 : 1);
    const endAt = Date.now() + span;
    const lastAt: Record<string, number> = {};
    let previous: string | undefined;
    let ready = Date.now();
    for (;;) {
      const next = nextRide(options, lastAt, Math.max(ready, Date.now()), previous);
      if (!next || next.at > endAt) return;
      await this.wait(next.at - Date.now(), w.signal);
      const lift = this.attraction(next.code);
      const gate = pickOne(boardingGates(this.have, next.code));
      if (!lift || !gate || !this.rides(next.code)) return;
      const cost = lift.points;
      const has = (p: Person): boolean => {
        const b = balances.get(p)!;
        if (next.code in b.rides) return b.rides[next.code] === null || (b.rides[next.code] ?? 0) > 0;
        return b.points !== undefined && b.points >= cost;
      };
      const out = w.here.filter((p) => !has(p));
      if (out.length) stats.stage(`card run out at ${next.code}`);
      const rode = await this.pass(w.here, { gate, direction: 'in' }, (p) => p.entry, w.signal, {
        expect: (p) => (has(p) ? 'admit' : ['no_rides_left']),
        onAnswer: (p, o) => {
          if (o.result !== 'admit') return;
          const b = balances.get(p)!;
          if (next.code in b.rides) {
            const left = b.rides[next.code];
            if (left !== null) b.rides[next.code] = o.ticket?.ridesLeft ?? Math.max(0, (left ?? 1) - 1);
          } else if (b.points !== undefined) b.points = o.ticket?.pointsLeft ?? Math.max(0, b.points - cost);
        },
      });
      lastAt[next.code] = Date.now();
      previous = next.code;
      if (out.length) {
        stats.cardsRunOut++;
        return;
      }
      // Staged: a day pass lent to a friend at the lift they just rode, refused for the ride gap.
      const lender = rode.find((p) => p.rides?.[next.code] === null);
      // (Not in the lift's last real minutes, when the friend would be told it is closed instead.)
      const stillOpen = isOpen(lift, clock.realLocal().minute, 3);
      if (lender && lift.rideGapMin > 0 && stillOpen && Math.random() < LIFT_PASS_SHARED_P)
        void this.later(uniform(10_000, 60_000), w.signal, () => {
          stats.stage('lift pass lent to a friend');
          return this.scan(gate, lender.entry, 'in', ['ride_too_soon'], 'lift pass lent to a friend');
        });
      if (!rode.length) return;
      ready =
        Date.now() +
        (lift.rideGapMin > 0
          ? clock.realMs(uniform(...SKI_RUN_SIM_MIN))
          : Math.max(CARPET_MIN_CYCLE_MS, clock.realMs(uniform(...CARPET_RUN_SIM_MIN))));
    }
  }

  /** Out for lunch in the village and back: the second entry of the day on a two-day pass. */
  private async lunchOut(w: Walk, side: 'main' | 'east'): Promise<void> {
    await this.walkTo(w, PLAZA[side]);
    const left = await this.cross(w, null);
    if (!left.length) return;
    await this.simWait(w, [40, 90]);
    w.here = left;
    w.here = await this.cross(w, PLAZA[side]);
  }

  /** Walking over to a plaza (unseen: no gate between the plazas and most places). */
  private async walkTo(w: Walk, zone: string): Promise<void> {
    if (w.zone === zone) return;
    await this.simWait(w, WALK_SIM_MIN);
    w.zone = zone;
  }

  private async stop_(w: Walk, stop: Stop, side: 'main' | 'east'): Promise<void> {
    switch (stop.kind) {
      case 'zone':
        return this.visit(w, stop);
      case 'summit':
        return this.summit(w, stop);
      case 'ski':
        return this.ski(w);
      case 'lunch-out':
        return this.lunchOut(w, side);
    }
  }

  /** Walks a route's stops, then leaves by its exit. */
  private async walkRoute(w: Walk, route: Route, side: 'main' | 'east'): Promise<void> {
    for (const stop of route.stops) {
      if (this.mustLeave(w)) break;
      await this.simWait(w, WALK_SIM_MIN);
      await this.stop_(w, stop, side);
    }
    await this.simWait(w, WALK_SIM_MIN);
    if (route.exit === 'hotel') {
      // Lodge guests go back to the lodge for the night and check out the next morning.
      await this.cross(w, 'HOTEL');
      await this.simWait(w, [10 * 60, 14 * 60]);
      await this.cross(w, null);
      return;
    }
    // The plaza of the gate they leave by: most people are there already.
    w.zone = PLAZA[route.exit];
    await this.cross(w, null);
  }

  // ---- parties ----

  /**
   * A tour group: the coach stops at the main gate and the guide takes the group to its handheld
   * lane, where the group code is scanned once with the headcount present. A few may come later
   * (a second scan for them), one or two may never come. Inside, the guide leads two or three
   * valley stops (each member scans their own ticket at the transfers), then the members have free
   * time and leave one by one through the exit turnstiles with their own tickets.
   */
  private async runGroup(
    party: Party & { group: { code: string; guide: string } },
    signal: AbortSignal,
  ): Promise<void> {
    const { clock, stats, tlog } = this.deps;
    await this.wait(party.arriveAt - Date.now(), signal);
    const { code } = party.group;
    const persons = party.persons;
    const booked = persons.length;
    const name = `group ${code.slice(0, 8)}… (${party.channel}, ${booked} booked, guide ${party.group.guide})`;
    const main = crossingsTo(this.have, null, PLAZA.main);
    const side = main.length ? main : crossingsTo(this.have, null, PLAZA.east);
    const lanes = side.filter((c) => c.gate.kind === 'handheld');
    const lane = () => pickOne(lanes) ?? this.pick(side, true);
    const entry = lane();
    if (!entry) return;
    const gate = entry.gate;
    this.incidents(side, signal);

    if (party.refunded) {
      await this.scan(gate, code, 'in', ['refunded'], 'refunded group', { count: booked });
      return;
    }
    if (party.earlyUntil && Date.now() < party.earlyUntil - 60_000) {
      stats.stage('group too early for its slot');
      await this.scan(gate, code, 'in', ['outside_slot'], 'early group', { count: booked });
      await this.wait(party.earlyUntil - Date.now() + uniform(5_000, 90_000), signal);
    }

    const noShows = booked > 4 && Math.random() < GROUP_NO_SHOW_P ? randomInt(1, 2) : 0;
    const late =
      booked - noShows > 2 && Math.random() < GROUP_STRAGGLER_P ? randomInt(1, Math.min(5, booked - noShows - 2)) : 0;
    const present = booked - noShows - late;

    // The coach's headcount; when the zone is full the group waits and the guide tries again.
    let o: ScanOutcome | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      if (attempt) await this.wait(clock.realMs(uniform(8, 15)), signal);
      o = await this.scan(gate, code, 'in', 'admit', 'group', { count: present });
      if (o?.result === 'admit' || o?.reason !== 'capacity') break;
    }
    if (o?.result !== 'admit') {
      tlog.say(`group:${code}`, `${name}: turned away at ${gate.code} (${o?.error ?? o?.reason ?? 'no gate'})`);
      return;
    }
    stats.groups.arrived++;
    stats.groups.noShows += noShows;
    if (!o.offline && !o.group) {
      stats.surprises++;
      tlog.say(
        'surprise:group-ack',
        `surprise: gate ${gate.code}: ${name}: the answer to a group scan has no \`group\``,
      );
    }
    let inside = admittedMembers(persons, o.group?.admitted ?? present, o.group?.types);
    for (const p of inside) this.place(p.entry, gate.zoneCode);
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

    const stragglers = late
      ? (async () => {
          const from = Date.now();
          const comeAt = Math.min(
            from + clock.realMs(uniform(...GROUP_STRAGGLER_SIM_MIN)),
            party.lastAt ?? Number.POSITIVE_INFINITY,
          );
          await this.wait(comeAt - from, signal);
          const afterMin = Math.round(((Date.now() - from) * clock.speed) / 60_000);
          const again = lane()?.gate ?? gate;
          const s = await this.scan(again, code, 'in', 'admit', 'group stragglers', { count: late });
          if (s?.result !== 'admit') return [];
          const waiting = persons.filter((p) => !inside.includes(p));
          // After an offline scan the server may have given these persons' tickets to the first scan: go by order.
          const more = admittedMembers(waiting, s.group?.admitted ?? late, hadOffline ? {} : s.group?.types);
          for (const p of more) this.place(p.entry, again.zoneCode);
          stats.groups.stragglerScans++;
          stats.groups.stragglers += more.length;
          tlog.say(
            `group:${code}:late`,
            `${name}: ${more.length} stragglers let in ${afterMin} simulated minutes later ` +
              `at ${again.code}${s.offline ? ' (offline)' : ''}${s.group?.left !== undefined ? `, ${s.group.left} left` : ''}`,
          );
          if (!hadOffline) this.checkLeft(name, s, booked - inside.length - more.length);
          return more;
        })()
      : Promise.resolve([] as Person[]);

    // The guided walk; stragglers catch up with the group at its first stop.
    const route = chooseRoute({ entry: 'main', ropeway: false, group: true });
    const w: Walk = { party, here: inside, zone: gate.zoneCode, big: true, signal };
    for (const [i, stop] of route.stops.entries()) {
      await this.simWait(w, WALK_SIM_MIN);
      if (i === 1) {
        const more = await Promise.race([stragglers, Promise.resolve(undefined)]);
        if (more?.length) w.here = [...w.here, ...more];
      }
      await this.stop_(w, stop, 'main');
    }
    const more = await stragglers;
    inside = [...new Set([...inside, ...more])];
    const leaveAt = Date.now() + clock.realMs(uniform(...GROUP_FREE_SIM_MIN));
    await this.leaveOneByOne(inside, leaveAt, signal);
  }

  /** A note when the server's count of a group's unused tickets is not what the simulator expects. */
  private checkLeft(name: string, o: ScanOutcome, expected: number): void {
    if (o.offline || o.group?.left === undefined || o.group.left === expected) return;
    this.deps.stats.surprises++;
    this.deps.tlog.say(
      `surprise:group-left`,
      `surprise: ${name}: the server counts ${o.group.left} of its tickets unused, the simulator ${expected}`,
    );
  }

  /**
   * A group's members leave on their own after its visit ends, spread over a while, each through an
   * exit turnstile of the main gate (where the coach waits) with their own ticket.
   */
  private async leaveOneByOne(members: Person[], leaveAt: number, signal: AbortSignal): Promise<void> {
    const { clock } = this.deps;
    const main = crossingsTo(this.have, PLAZA.main, null);
    const outs = main.length ? main : crossingsTo(this.have, PLAZA.east, null);
    const turnstiles = outs.filter((c) => c.gate.kind === 'turnstile');
    const exits = members
      .map((p) => ({ p, at: leaveAt + clock.realMs(uniform(0, GROUP_EXIT_SPREAD_SIM_MIN)) }))
      .sort((a, b) => a.at - b.at);
    const scans: Promise<unknown>[] = [];
    for (const { p, at } of exits) {
      await this.wait(at - Date.now(), signal);
      const c = pickOne(turnstiles) ?? this.pick(outs, false);
      // Several turnstiles at once: one person's scan does not hold up the next.
      scans.push(this.pass([p], c, (x) => x.entry, signal));
    }
    await Promise.all(scans);
  }

  private async run(party: Party, signal: AbortSignal): Promise<void> {
    if (party.group) return this.runGroup({ ...party, group: party.group }, signal);
    const { clock } = this.deps;
    await this.wait(party.arriveAt - Date.now(), signal);
    const persons = party.persons;
    const big = persons.length >= 5 || (persons.some((p) => p.entryType === 'SENIOR') && Math.random() < 0.5);
    const canHotel =
      crossingsTo(this.have, null, PLAZA.hotel).length > 0 &&
      crossingsTo(this.have, PLAZA.hotel, PLAZA.east).length > 0;
    const isHotelGuest = party.kind === 'two-day' && canHotel && Math.random() < HOTEL_GUEST_P;
    const entry: EntrySide = isHotelGuest ? 'hotel' : Math.random() < MAIN_GATE_P ? 'main' : 'east';
    const inList = crossingsTo(this.have, null, PLAZA[entry]);
    this.incidents(inList, signal);
    const w: Walk = { party, here: persons, zone: null, big, signal };

    if (party.refunded) {
      const c = this.pick(inList, big);
      if (c) await this.scan(c.gate, persons[0].entry, 'in', ['refunded'], 'refunded ticket');
      return;
    }
    if (party.earlyUntil && Date.now() < party.earlyUntil - 60_000) {
      const c = this.pick(inList, big);
      if (c) {
        this.deps.stats.stage('too early for the slot');
        await this.scan(c.gate, persons[0].entry, 'in', ['outside_slot'], 'early arrival');
      }
      await this.wait(party.earlyUntil - Date.now() + uniform(5_000, 90_000), signal);
    }

    // In, retrying a few times when the zone is full.
    let outside = persons;
    let inside: Person[] = [];
    for (let attempt = 0; attempt < 4 && outside.length; attempt++) {
      if (attempt) await this.wait(clock.realMs(uniform(8, 15)), signal);
      const got = await this.pass(outside, this.pick(inList, big), (p) => p.entry, signal);
      inside = [...inside, ...got];
      outside = outside.filter((p) => !got.includes(p));
    }
    if (!inside.length) return;
    w.here = inside;
    w.zone = PLAZA[entry];

    if (isHotelGuest) {
      // Check in at the lobby, then into the park through the lodge's park-side gate (to the east plaza).
      await this.simWait(w, [20, 60]);
      const inPark = await this.cross(w, PLAZA.east);
      if (!inPark.length) return;
      w.here = inPark;
    }
    const route = chooseRoute({
      entry,
      ropeway: inside.some((p) => ropewayCode(p)),
      ski: party.kind === 'ski',
      night: party.kind === 'night',
      twoDay: party.kind === 'two-day',
    });
    await this.walkRoute(w, route, entry === 'main' ? 'main' : 'east');
  }
}
