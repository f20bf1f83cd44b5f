import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { canUse, type TArea } from '../../lib/roles.ts';
import type { TSessionUser } from '../auth/session.ts';
import type { Runtime } from '../runtime.ts';
import { asAppError, toTRPCError } from '../errors.ts';

/*
 * 1. CONTEXT
 * Built per request by the custom server from the session cookie; the user is re-read from the
 * database so a disabled account or a changed role counts at once.
 */
export interface TContext {
  rt: Runtime;
  user: TSessionUser | null;
  remoteAddr: string;
  /** The session could not be checked (the database did not answer): "retry later", not "sign in". */
  authUnavailable?: boolean;
}

/*
 * 2. INITIALISATION
 * AppError becomes a tRPC error with our code in `data.appCode`; zod errors carry field messages.
 */
const t = initTRPC.context<TContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        appCode: cause instanceof AppError ? cause.code : undefined,
        fields:
          cause instanceof ZodError
            ? cause.flatten().fieldErrors
            : cause instanceof AppError
              ? cause.fields
              : undefined,
      },
    };
  },
});

export const createTRPCRouter = t.router;

/** Converts AppError thrown by services (and a database that does not answer) into tRPC errors in one place. */
const appErrors = t.middleware(async ({ next }) => {
  const res = await next();
  if (!res.ok) {
    const app = asAppError(res.error.cause);
    if (app) throw toTRPCError(app);
  }
  return res;
});

/*
 * 3. PROCEDURES
 * Every procedure states who may call it; there is no unchecked procedure but health.
 */
export const publicProcedure = t.procedure.use(appErrors);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user && ctx.authUnavailable)
    throw new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: 'the sign-in could not be checked: the database is not answering; retry in a few seconds',
    });
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/** A procedure for the roles that may use an area (lib/roles.ts AREA_ROLES). */
export function areaProcedure(area: TArea) {
  return protectedProcedure.use(({ ctx, next }) => {
    if (!canUse(ctx.user.role, area)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `the ${ctx.user.role} role cannot use ${area}` });
    }
    return next({ ctx });
  });
}
