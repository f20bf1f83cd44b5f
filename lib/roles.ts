/** The roles a user can hold; each is scoped to venues (or all venues). */
export const ROLES = ['admin', 'manager', 'operator', 'frontdesk', 'finance', 'housekeeping'] as const;
export type TRole = (typeof ROLES)[number];

/** Which roles may use each area of the product. Pages and procedures both check this table. */
export const AREA_ROLES = {
  admin: ['admin'],
  commandCenter: ['admin', 'manager', 'operator'],
  controls: ['admin', 'manager'],
  frontdesk: ['admin', 'manager', 'frontdesk'],
  finance: ['admin', 'manager', 'finance'],
  /** The hotel front desk (酒店前台): reservations, stays, folios, the night audit. */
  hotel: ['admin', 'manager', 'frontdesk'],
  /** Rooms' housekeeping state and blocks (客房): housekeeping on a phone, and the front desk. */
  housekeeping: ['admin', 'manager', 'frontdesk', 'housekeeping'],
} as const satisfies Record<string, readonly TRole[]>;
export type TArea = keyof typeof AREA_ROLES;

export function canUse(role: TRole, area: TArea): boolean {
  return (AREA_ROLES[area] as readonly TRole[]).includes(role);
}
