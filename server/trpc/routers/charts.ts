import { createTRPCRouter } from '../init.ts';

/** Chart series for the wall display (rollups plus the live tail). */
export const chartsRouter = createTRPCRouter({});
