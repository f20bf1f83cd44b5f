import type { TArea } from './roles.ts';

/**
 * Who may open each page under app/: an area's roles, any signed-in user, or anyone. Pages read
 * their own row (server/auth/page-guard.ts requirePage); the page matrix test
 * (tests/e2e/page-matrix.spec.ts) finds every page file under app/ and fails for one missing here.
 */
export const PAGE_ACCESS = {
  '/': 'signedIn',
  '/admin': 'admin',
  '/command-center': 'commandCenter',
  '/controls': 'controls',
  '/front-desk/approvals': 'controls',
  '/front-desk/check-in': 'frontdesk',
  '/front-desk/orders': 'frontdesk',
  '/front-desk/sell': 'frontdesk',
  '/front-desk/shifts': 'frontdesk',
  /** One guest's journey (docs/guest-journey.md), opened from the order desk's search. */
  '/guests/[id]': 'frontdesk',
  '/hotel': 'hotel',
  '/hotel/night-audit': 'hotel',
  '/hotel/rack': 'hotel',
  '/housekeeping': 'housekeeping',
  '/sign-in': 'public',
} as const satisfies Record<string, TArea | 'signedIn' | 'public'>;

export type TPagePath = keyof typeof PAGE_ACCESS;
