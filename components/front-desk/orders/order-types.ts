import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../server/trpc/root.ts';

type TDeskOutputs = inferRouterOutputs<AppRouter>['frontDesk'];
/** An order as `frontDesk.order` returns it. */
export type TDeskOrder = TDeskOutputs['order'];
export type TDeskTicket = TDeskOrder['tickets'][number];
/** One row of `frontDesk.search`. */
export type TDeskHit = TDeskOutputs['search'][number];
