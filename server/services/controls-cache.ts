import type { Database } from '../../db/client.ts';
import { listAttractionControls } from '../../db/queries/attraction-controls.ts';
import {
  listChannelControls,
  listGateControls,
  listOnlinePauses,
  type ChannelControlRow,
  type GateControlRow,
} from '../../db/queries/controls.ts';
import type { TLogger } from '../logger.ts';
import type { SharedState } from '../shared/shared-state.ts';
import { CONTROLS_CHANNEL } from './controls.ts';

/** Reload anyway this often (ms), in case a change notice was lost (a Redis restart). */
const REFRESH_MS = 5_000;

/** What an attraction's gates need to know of its controls, for every scan. */
export interface AttractionControl {
  id: number;
  venue_id: number;
  code: string;
  closed: boolean;
  rides_per_min: number | null;
}

/**
 * Each instance's copy of the controls (channel rates and pauses, gate rates and closures,
 * attraction closures and ride rates, paused online sales), so the hot paths never query for them. Every change is announced over the shared
 * pub/sub and reloaded at once, on every instance.
 */
export class ControlsCache {
  private channels = new Map<number, ChannelControlRow>();
  private gates = new Map<number, GateControlRow>();
  private attractions = new Map<number, AttractionControl>();
  private onlinePaused = new Map<number, number[]>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private loading: Promise<void> | undefined;
  private again = false;
  /** Called after every reload (the hub tells screens the controls changed). */
  onChange?: (venueId: number | null) => void;

  constructor(private readonly deps: { db: Database; shared: SharedState; logger: TLogger }) {}

  async start(): Promise<void> {
    await this.reload();
    this.unsubscribe = this.deps.shared.subscribe(CONTROLS_CHANNEL, (m) => {
      void this.reload().then(() => this.onChange?.((m as { venueId?: number }).venueId ?? null));
    });
    this.timer = setInterval(() => void this.reload(), REFRESH_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /** Reloads everything; concurrent calls coalesce into one more load. */
  reload(): Promise<void> {
    if (this.loading !== undefined) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.again = false;
        try {
          const [c, g, a, p] = await Promise.all([
            listChannelControls(this.deps.db),
            listGateControls(this.deps.db),
            listAttractionControls(this.deps.db),
            listOnlinePauses(this.deps.db),
          ]);
          this.channels = new Map(c.map((x) => [x.id, x]));
          this.gates = new Map(g.map((x) => [x.id, x]));
          this.attractions = new Map(
            a.map((x) => [
              x.id,
              { id: x.id, venue_id: x.venue_id, code: x.code, closed: x.closed, rides_per_min: x.rides_per_min },
            ]),
          );
          const paused = new Map<number, number[]>();
          for (const x of p) paused.set(x.venue_id, [...(paused.get(x.venue_id) ?? []), x.zone_id]);
          this.onlinePaused = paused;
        } catch (err) {
          this.deps.logger.warn(
            { err: (err as Error).message },
            'controls reload failed; keeping the previous controls',
          );
        }
      } while (this.again);
      this.loading = undefined;
    })();
    return this.loading;
  }

  channel(id: number): ChannelControlRow | undefined {
    return this.channels.get(id);
  }

  gate(id: number): GateControlRow | undefined {
    return this.gates.get(id);
  }

  /** An attraction's closure and ride rate (its gates carry its id). */
  attraction(id: number): AttractionControl | undefined {
    return this.attractions.get(id);
  }

  /** Zones whose crowd policy paused the venue's online and OTA sales for today (empty: not paused). */
  onlinePausedBy(venueId: number): number[] {
    return this.onlinePaused.get(venueId) ?? [];
  }
}
