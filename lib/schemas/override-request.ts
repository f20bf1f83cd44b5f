import { z } from 'zod';
import { OVERRIDE_REASONS, type TOverrideReason } from './front-desk.ts';

/**
 * Remote supervisor approval (远程主管授权): a desk asks a supervisor of the venue to override a gate
 * rule for one ticket at one gate; the supervisor approves or denies from their own screen, and an
 * approval admits once. The inputs of its procedures and the request as screens show it.
 */

export const OVERRIDE_STATES = ['pending', 'approved', 'denied', 'used', 'expired', 'cancelled'] as const;
export type TOverrideState = (typeof OVERRIDE_STATES)[number];

/**
 * The lifecycle of a request, in one table: the states each state may move to. Every move is one
 * guarded statement (server/services/override-requests.ts), so of two at once only one happens.
 */
export const OVERRIDE_TRANSITIONS = {
  pending: ['approved', 'denied', 'cancelled', 'expired'],
  approved: ['used', 'expired'],
  denied: [],
  used: [],
  expired: [],
  cancelled: [],
} as const satisfies Record<TOverrideState, readonly TOverrideState[]>;

/** The states a request may be in to move to `to`. */
export function statesBefore(to: TOverrideState): TOverrideState[] {
  return OVERRIDE_STATES.filter((s) => (OVERRIDE_TRANSITIONS[s] as readonly TOverrideState[]).includes(to));
}

const ZId = z.number().int().positive();
const ZNote = z.string().trim().max(500).optional();

/** A desk asks for an override of the gates' refusal of a ticket at a gate. */
export const ZRequestOverride = z
  .object({
    gateId: ZId,
    ticketId: ZId,
    direction: z.enum(['in', 'out']),
    reason: z.enum(OVERRIDE_REASONS),
    note: ZNote,
  })
  .strict();

/** A supervisor's answer, with an optional note (the desk sees it; a denial says why). */
export const ZDecideOverride = z.object({ requestId: ZId, note: ZNote }).strict();

export const ZOverrideRequestRef = z.object({ requestId: ZId }).strict();

/** A request as the desk that asked and the venue's supervisors see it. */
export interface TOverrideRequestView {
  id: number;
  venueId: number;
  state: TOverrideState;
  /** The ticket's code is a bearer credential: screens get its ends only. */
  ticket: { id: number; code: string; type: string; typeNameZh: string; typeNameEn: string };
  gate: { id: number; code: string; nameZh: string; nameEn: string };
  direction: 'in' | 'out';
  reason: TOverrideReason;
  note: string | null;
  /** Why the gates refused the ticket when the desk asked (a scan reason). */
  refusal: string | null;
  requestedBy: { id: number; email: string; name: string };
  requestedAt: string;
  /** A pending request must be answered, an approval used, before this. */
  expiresAt: string;
  decidedBy: { email: string; name: string } | null;
  decidedAt: string | null;
  decisionNote: string | null;
  usedAt: string | null;
}
