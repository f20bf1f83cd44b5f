/** Counters for the periodic summary line; everything the simulator did, cumulative. */
export class SimStats {
  orders = 0;
  tickets = 0;
  revenueFen = 0;
  /** Orders sent again under the same ref (network retry) that got the same order back. */
  replays = 0;
  replayMismatches = 0;
  refunds = 0;
  refundedTickets = 0;
  soldOut = 0;
  rateLimited = 0;
  orderErrors = 0;
  /** Advance bookings for later days (not scanned today). */
  advance = 0;

  admitted = 0;
  rejected = 0;
  readonly reasons = new Map<string, number>();
  /** Scans decided by a gate while it was offline, later uploaded. */
  offlineQueued = 0;
  offlineUploaded = 0;
  offlineConflicts = 0;
  uploadBatches = 0;
  /** Scans the server answered `unavailable` (or not at all), which the gate then decided itself. */
  serverUnavailable = 0;
  scanErrors = 0;
  /** Answers a visitor did not expect (each also logged, throttled, as a surprise). */
  surprises = 0;
  /** Admitted rides per attraction code (one per person through a boarding gate, offline ones included). */
  readonly rides = new Map<string, number>();
  /** Incidents staged on purpose, per kind (their refusals are expected, not surprises). */
  readonly staged = new Map<string, number>();
  /** Skiers: parties that went up to ski, and ski sessions that ended because a card ran out. */
  skiParties = 0;
  cardsRunOut = 0;

  /** Tour groups (团体): orders sold with a group code, and what became of them at the gates. */
  readonly groups = {
    orders: 0,
    /** Persons booked in those orders for today, and groups that came. */
    bookedToday: 0,
    arrived: 0,
    /** Group code scans at the gates, the persons they let in, and those decided by an offline gate. */
    scans: 0,
    admitted: 0,
    offlineScans: 0,
    /** Second scans for members who came later, and how many they let in. */
    stragglerScans: 0,
    stragglers: 0,
    /** Members who never came (the desk shows booked > arrived). */
    noShows: 0,
  };

  /** The lodge's front desk (酒店前台) over the tRPC API: what it did, and the money it took and gave back. */
  readonly desk = {
    checkIns: 0,
    /** Guests registered at those check-ins (each with a name and an ID number). */
    guests: 0,
    depositsFen: 0,
    checkOuts: 0,
    /** Balances paid at check-out, and deposits' excess refunded. */
    paidFen: 0,
    refundedFen: 0,
    /** Minibar and restaurant charges posted before check-out. */
    extras: 0,
    /** Arrivals that found no clean room of their type (they wait for housekeeping). */
    waitingForRoom: 0,
    cleaned: 0,
    audits: 0,
    errors: 0,
  };

  /** Refusals of `n` persons (a group scan stands for its headcount). */
  reject(reason: string | undefined, n = 1): void {
    this.rejected += n;
    const r = reason ?? 'none';
    this.reasons.set(r, (this.reasons.get(r) ?? 0) + n);
  }

  ride(attraction: string, n = 1): void {
    this.rides.set(attraction, (this.rides.get(attraction) ?? 0) + n);
  }

  stage(kind: string): void {
    this.staged.set(kind, (this.staged.get(kind) ?? 0) + 1);
  }

  get scans(): number {
    return this.admitted + this.rejected;
  }
}

/** Logs a repeated problem at most once per `everyMs` per key, with how often it happened meanwhile. */
export class ThrottledLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: (m: string) => void,
    private readonly everyMs = 60_000,
  ) {}

  say(key: string, message: string): void {
    const now = Date.now();
    const e = this.last.get(key);
    if (e && now - e.at < this.everyMs) {
      e.suppressed++;
      return;
    }
    this.log(
      e?.suppressed
        ? `${message} (and ${e.suppressed} more like it in the last ${Math.round((now - e.at) / 1000)}s)`
        : message,
    );
    this.last.set(key, { at: now, suppressed: 0 });
    // Keys are a handful of error kinds; keep the map bounded anyway.
    if (this.last.size > 200) this.last.delete(this.last.keys().next().value!);
  }
}
