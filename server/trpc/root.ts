import { adminRouter } from './routers/admin.ts';
import { chartsRouter } from './routers/charts.ts';
import { alarmsRouter } from './routers/alarms.ts';
import { controlsRouter } from './routers/controls.ts';
import { frontDeskRouter } from './routers/front-desk.ts';
import { gatesRouter } from './routers/gates.ts';
import { guestsRouter } from './routers/guests.ts';
import { hotelRouter } from './routers/hotel.ts';
import { systemRouter } from './routers/system.ts';
import { createTRPCRouter } from './init.ts';

/** The app's API, served at /api/trpc by the custom server. One router per domain. */
export const appRouter = createTRPCRouter({
  system: systemRouter,
  gates: gatesRouter,
  admin: adminRouter,
  charts: chartsRouter,
  alarms: alarmsRouter,
  controls: controlsRouter,
  frontDesk: frontDeskRouter,
  hotel: hotelRouter,
  guests: guestsRouter,
});

export type AppRouter = typeof appRouter;
