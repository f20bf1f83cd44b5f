import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../server/trpc/root.ts';

type TOut = inferRouterOutputs<AppRouter>['frontDesk'];
/** A shift as the server shows it to this viewer (expected amounts only once revealed). */
export type TShift = TOut['openShift'];
/** A shift's report: the shift, its cash moves and the supervisor approvals made during it. */
export type TShiftReport = TOut['shift'];
