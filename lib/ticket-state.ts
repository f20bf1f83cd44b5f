/**
 * A ticket's state as the order desk names it (未使用, 在园, 已出园, 已用完, 已退票, 已改签, 已补票,
 * 已过期), from its row and the venue's business day. Shared by the desk's screen and its server.
 */
export const TICKET_STATES = [
  'unused',
  'inside',
  'left',
  'used_up',
  'refunded',
  'rebooked',
  'replaced',
  'expired',
] as const;
export type TTicketStateLabel = (typeof TICKET_STATES)[number];

export interface TTicketStateInput {
  status: 'valid' | 'refunded' | 'replaced';
  entries: number;
  inside: boolean;
  entriesDay: string | null;
  validTo: string;
  rebookedFrom: string | null;
  entryPolicy: 'single' | 'multi';
}

export function ticketStateOf(t: TTicketStateInput, today: string): TTicketStateLabel {
  if (t.status === 'refunded') return 'refunded';
  if (t.status === 'replaced') return 'replaced';
  if (t.inside && t.entriesDay === today) return 'inside';
  if (t.entries > 0) return t.entryPolicy === 'single' || t.validTo < today ? 'used_up' : 'left';
  if (t.validTo < today) return 'expired';
  return t.rebookedFrom ? 'rebooked' : 'unused';
}
