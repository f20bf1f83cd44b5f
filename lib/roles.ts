/** The roles a user can hold; each is scoped to venues (or all venues). */
export const ROLES = ['admin', 'manager', 'operator', 'frontdesk', 'finance'] as const;
export type TRole = (typeof ROLES)[number];

/** Which roles may use each area of the product. Pages and procedures both check this table. */
export const AREA_ROLES = {
  admin: ['admin'],
  commandCenter: ['admin', 'manager', 'operator'],
  controls: ['admin', 'manager'],
  frontdesk: ['admin', 'manager', 'frontdesk'],
  finance: ['admin', 'manager', 'finance'],
} as const satisfies Record<string, readonly TRole[]>;
export type TArea = keyof typeof AREA_ROLES;

export function canUse(role: TRole, area: TArea): boolean {
  return (AREA_ROLES[area] as readonly TRole[]).includes(role);
}
