import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { AppError } from '../../lib/errors.ts';
import { ZodError, z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import { findGatesByCode } from '../../db/queries/gates.ts';
import { venueIdsByCode, venueOfResource, type TScopedResource } from '../../db/queries/scope.ts';
import { listVenues } from '../../db/queries/venues.ts';
import { canUse, type TArea } from '../../lib/roles.ts';
import { canSeeVenue, type TSessionUser } from '../auth/session.ts';
import type { TActor } from '../services/actor.ts';
import type { Runtime } from '../runtime.ts';
import { asAppError, toTRPCError } from '../errors.ts';

/*
 * 1. CONTEXT
 * Built per request by the custom server from the session cookie; the user is re-read from the
 * database so a disabled account or a changed role counts at once.
 */
/** Who may call a procedure: the roles of an area (lib/roles.ts), or any signed-in user. */
export type TAccess = TArea | 'signedIn';

/**
 * How a procedure's venue is found, before its input is parsed: from `venueId`, from the resource
 * an id names, from a gate code (and optional venue code), or from a venue code (omitted: the only
 * venue). 'none': the procedure is about no venue (the signed-in user, users, the audit log).
 */
export type TVenueScope =
  | 'none'
  | { input: 'venueId' }
  | { resource: TScopedResource; key: string }
  | { gateRef: true }
  | { venueCode: string };

export interface TMeta {
  access?: TAccess;
  venue?: TVenueScope;
  /** The audit action a state-changing procedure writes (services write the row). */
  audit?: string;
}

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
const t = initTRPC
  .context<TContext>()
  .meta<TMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      return {
        ...shape,
        data: {
          ...shape.data,
          appCode: cause instanceof AppError ? cause.code : undefined,
          /** When to try again (seconds), for a throttle or an unavailable database: the screen can say so. */
          retryAfterS: cause instanceof AppError ? cause.retryAfterS : undefined,
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
 * Every procedure is built by `procedure(access, venue)`: it states who may call it (an area of
 * lib/roles.ts, or any signed-in user) and how its venue is found, and both are checked here, in
 * one place, before its input is even parsed. The declaration is the procedure's meta, which the
 * authorization matrix test reads for every procedure of the real router. A procedure built
 * without one fails closed.
 */
export const publicProcedure = t.procedure.use(appErrors);

/** Signed in: the user (re-read from the database) and the actor its changes are audited as. */
const signedIn = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user && ctx.authUnavailable)
    throw new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: 'the sign-in could not be checked: the database is not answering; retry in a few seconds',
    });
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  const actor: TActor = { kind: 'user', id: ctx.user.id, label: ctx.user.email };
  return next({ ctx: { ...ctx, user: ctx.user, actor } });
});

const checkAccess = t.middleware(({ ctx, meta, next }) => {
  const access = meta?.access;
  if (!access) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'this procedure declares no access' });
  const user = ctx.user as TSessionUser;
  if (access !== 'signedIn' && !canUse(user.role, access)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `the ${user.role} role cannot use ${access}` });
  }
  return next();
});

/**
 * The one refusal for a resource of another venue, or of none: to a user scoped to some venues it
 * does not say which (FORBIDDEN either way); a user of every venue is told it does not exist.
 */
class OutsideVenues extends Error {}
function outsideVenues(what: string): OutsideVenues {
  return new OutsideVenues(what);
}
function refusal(user: TSessionUser, err: OutsideVenues): TRPCError {
  return user.venueIds === 'all'
    ? new TRPCError({ code: 'NOT_FOUND', message: `${err.message} does not exist` })
    : new TRPCError({ code: 'FORBIDDEN', message: `${err.message} does not exist or is outside your venues` });
}

const ZId = z.number().int().positive();
const ZCode = z.string().min(1).max(64);

/** Finds the venue a call is about, from its raw input, as the procedure's meta says. */
async function resolveVenue(db: Queryable, scope: Exclude<TVenueScope, 'none'>, raw: unknown): Promise<number> {
  const field = (key: string) => (raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[key] : undefined);
  const need = <T>(schema: z.ZodType<T>, key: string): T => {
    const r = schema.safeParse(field(key));
    if (!r.success) throw new TRPCError({ code: 'BAD_REQUEST', message: `${key}: required to find the venue` });
    return r.data;
  };
  if ('input' in scope) return need(ZId, 'venueId');
  if ('resource' in scope) {
    const id = need(ZId, scope.key);
    const venueId = await venueOfResource(db, scope.resource, id);
    if (venueId === null) throw outsideVenues(`${scope.resource} ${id}`);
    return venueId;
  }
  if ('gateRef' in scope) {
    const gate = need(ZCode, 'gate');
    const venue = field('venue') === undefined ? undefined : need(ZCode, 'venue');
    const found = await findGatesByCode(db, gate, venue);
    if (found.length !== 1) throw outsideVenues(`gate ${gate}`);
    return found[0].venue_id;
  }
  const code = field(scope.venueCode) === undefined ? undefined : need(ZCode, scope.venueCode);
  if (code === undefined) {
    // No venue named: the only one there is (the service says so when there are several).
    const all = await listVenues(db, 'all');
    if (all.length !== 1) throw new TRPCError({ code: 'BAD_REQUEST', message: `${scope.venueCode}: name the venue` });
    return all[0].id;
  }
  const id = (await venueIdsByCode(db, [code])).get(code);
  if (id === undefined) throw outsideVenues(`venue ${code}`);
  return id;
}

const scopeVenue = t.middleware(async ({ ctx, meta, getRawInput, next }) => {
  const scope = meta?.venue;
  if (!scope) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'this procedure declares no venue scope' });
  if (scope === 'none') return next({ ctx: { venueId: undefined } });
  const user = ctx.user as TSessionUser;
  let venueId: number;
  try {
    venueId = await resolveVenue(ctx.rt.db, scope, await getRawInput());
  } catch (err) {
    throw err instanceof OutsideVenues ? refusal(user, err) : err;
  }
  if (!canSeeVenue(user, venueId))
    throw refusal(user, outsideVenues('input' in scope ? `venue ${venueId}` : 'that resource'));
  return next({ ctx: { venueId } });
});

/**
 * A procedure for the roles that may use `access` (or any signed-in user), about the venue
 * `venue` finds: its context carries the user, the actor for audit rows and that venue's id.
 * State-changing procedures also declare the audit action they write: `.meta({ audit: '...' })`.
 */
export function procedure<S extends TVenueScope>(access: TAccess, venue: S) {
  return signedIn
    .meta({ access, venue })
    .use(checkAccess)
    .use(scopeVenue)
    .use(({ ctx, next }) => next({ ctx: { venueId: ctx.venueId as S extends 'none' ? undefined : number } }));
}
