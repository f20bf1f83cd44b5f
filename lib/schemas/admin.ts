import { z } from 'zod';
import { ROLES } from '../roles.ts';

export const ZEmail = z.string().trim().toLowerCase().email('must be an email address').max(254);
export const ZPassword = z.string().min(10, 'must be at least 10 characters').max(200);
export const ZCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'letters, digits, - and _ only');

export const ZCreateUser = z.object({
  email: ZEmail,
  name: z.string().trim().max(100).default(''),
  role: z.enum(ROLES),
  password: ZPassword,
  /** Venue codes; empty means every venue. */
  venues: z.array(ZCode).default([]),
});
export type TCreateUser = z.infer<typeof ZCreateUser>;

export const ZChannelKind = z.enum(['online', 'ota', 'window', 'kiosk']);
export const ZCreateChannel = z.object({
  code: ZCode,
  kind: ZChannelKind,
  name: z.string().trim().max(100).optional(),
  venue: ZCode.optional(),
});
export type TCreateChannel = z.infer<typeof ZCreateChannel>;

export const ZGateRef = z.object({ gate: ZCode, venue: ZCode.optional() });
export type TGateRef = z.infer<typeof ZGateRef>;
