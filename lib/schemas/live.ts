import { z } from 'zod';
import type { TOverrideRequestView } from './override-request.ts';
import type { TScanReason } from './scan.ts';

export const ZSubscribe = z.object({ venueId: z.number().int().positive() }).strict();
export type TSubscribe = z.infer<typeof ZSubscribe>;

/** One gate as the command center draws it. */
export interface TGateStatus {
  id: number;
  code: string;
  zoneCode: string;
  nameZh: string;
  nameEn: string;
  direction: 'in' | 'out' | 'both';
  kind: 'turnstile' | 'handheld';
  position: [number, number];
  online: boolean;
  lastSeenAt: string | null;
  queue: number | null;
  battery: number | null;
  devices: number;
}

/** Today's totals of a venue and its per-zone occupancy (在园人数). */
export interface TLiveCounters {
  day: string;
  /**
   * In-house hotel guests asleep in a lodge at the daily reset, carried into the day's occupancy as
   * its opening balance (docs/hotel.md): in the venue = carried + entries − exits = the sum of zones.
   */
  carried: number;
  entries: number;
  exits: number;
  /** Venue entries per minute over the last few minutes (the activity window). */
  entryRate: number;
  rejects: number;
  /** Today's rejections by reason; a day that was in progress at an upgrade may have fewer here than in `rejects`. */
  rejectsByReason: Partial<Record<TScanReason, number>>;
  conflicts: number;
  sold: number;
  refunded: number;
  revenueFen: number;
  zones: { zoneId: number; count: number; capacity: number }[];
  /** Scans and rejects per gate over the last few minutes (heat layer, reject rates). */
  gates: { gateId: number; scans: number; rejects: number }[];
}

/** An open alarm (客流预警 and gate health) as the wall shows it. */
export interface TAlarm {
  id: number;
  subjectKind: 'venue' | 'zone' | 'gate' | 'attraction' | 'hotel';
  subjectId: number;
  /**
   * queue: an attraction's utilisation stayed above its threshold (a queue is forming);
   * attraction_silent: its gates sent nothing during opening hours; stranded: an attraction that
   * carries people between zones (a ropeway) was closed with people still at its far end (value);
   * hotel_overbooked: a hotel has sold more rooms tonight than out-of-order blocks left (value: rooms short).
   */
  kind:
    | 'capacity'
    | 'device_offline'
    | 'offline_conflict'
    | 'reject_rate'
    | 'queue'
    | 'attraction_silent'
    | 'stranded'
    | 'hotel_overbooked';
  severity: 'warning' | 'critical';
  state: 'active' | 'acknowledged' | 'cleared';
  value: number | null;
  threshold: number | null;
  openedAt: string;
  ackedAt: string | null;
  ackedBy: string | null;
  ackNote: string | null;
  escalated: boolean;
  clearedAt: string | null;
}

/** Events the server sends to signed-in screens on /live. */
export interface LiveServerEvents {
  'gates:update': (payload: { venueId: number; gates: TGateStatus[]; at: string }) => void;
  /** Absolute values (not deltas), coalesced: a missed update is repaired by the next one. */
  'counters:update': (payload: { venueId: number; counters: TLiveCounters; at: string }) => void;
  /** The venue's open alarms, whole (not deltas). */
  'alarms:update': (payload: { venueId: number; alarms: TAlarm[]; at: string }) => void;
  /** Controls changed (rates, closures, policies): screens refetch what they show of them. */
  'controls:update': (payload: { venueId: number | null; at: string }) => void;
}

export type TSubscribeAck =
  | { ok: true; venueId: number; gates: TGateStatus[]; counters: TLiveCounters; alarms: TAlarm[]; at: string }
  | { error: { code: string; message: string } };

export interface LiveClientEvents {
  subscribe: (payload: TSubscribe, ack: (res: TSubscribeAck) => void) => void;
}

/** Events the server sends to the front-desk screens on /desk. */
export interface DeskServerEvents {
  /**
   * The venue's sales or capacity changed (coalesced: at most about one a second): the sell
   * screens refetch their catalog. No payload beyond the venue: the catalog is per date and window.
   * `venueId: null`: the controls of every venue were reloaded.
   */
  'desk:catalog': (payload: { venueId: number | null; at: string }) => void;
  /** To the venue's supervisors: the pending override requests, whole (not deltas). */
  'desk:overrides': (payload: { venueId: number; pending: TOverrideRequestView[]; at: string }) => void;
  /** To the desk user who asked: their request was decided, withdrawn or ran out of time. */
  'desk:override-decided': (payload: { venueId: number; request: TOverrideRequestView; at: string }) => void;
}

/** A supervisor's subscription carries the pending requests (the snapshot the updates then replace). */
export type TDeskSubscribeAck =
  | { ok: true; venueId: number; supervisor: boolean; pending?: TOverrideRequestView[]; at: string }
  | { error: { code: string; message: string } };

export interface DeskClientEvents {
  subscribe: (payload: TSubscribe, ack: (res: TDeskSubscribeAck) => void) => void;
}
