import type { Queryable } from '../../db/client.ts';
import { insertAudit } from '../../db/queries/audit.ts';
import {
  admittedOn,
  claimNightAudit,
  findNightAudit,
  finishNightAudit,
  insertFolioLines,
  listRatePlans,
  listStays,
  setBusinessDate,
  updateStay,
} from '../../db/queries/hotel.ts';
import { AppError, parseInput } from '../../lib/errors.ts';
import { ZNightAudit } from '../../lib/schemas/hotel.ts';
import { addDays } from '../../lib/venue-time.ts';
import type { TActor } from './actor.ts';
import { applyNoShow, hotelOf, roomNightLines } from './hotel.ts';

/**
 * The night audit (夜审) of one hotel and business date, in one transaction:
 *   1. claims the date (night_audits is unique per hotel and business date: a second instance
 *      starting at the same moment waits for the first and then finds the date done);
 *   2. posts the night's room charges for the in-house stays (one per stay and night, by the
 *      folio's unique index, even against a late check-in that charged it already);
 *   3. marks the arrivals that did not come as no-shows with the rate plan's fee, except a package
 *      guest whose ticket was admitted at a gate today: a late arrival, listed for the desk;
 *   4. rolls the hotel's business date to the next day, and writes one audit row.
 * Idempotent by the business date the caller names: the audit of a date done already is answered
 * as it was, whoever ran it.
 */
export async function runNightAudit(
  rt: { db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> } & Queryable },
  actor: TActor,
  venueId: number,
  input: unknown,
  now = new Date(),
) {
  const i = parseInput(ZNightAudit, input, 'night audit');
  const hotel = await hotelOf(rt.db, venueId, i.hotelId);
  const d = i.businessDate;
  const done = async () => {
    const a = await findNightAudit(rt.db, hotel.id, d);
    if (!a) throw new AppError('conflict', `the business date of ${hotel.code} is ${hotel.business_date}, not ${d}`);
    return {
      ran: false as const,
      businessDate: d,
      posted: a.posted,
      noShows: a.no_shows,
      lateArrivals: a.late_arrivals,
      by: a.actor_label,
    };
  };
  if (hotel.business_date !== d) return done();
  const result = await rt.db.transaction(async (tx) => {
    const auditId = await claimNightAudit(tx, hotel.id, d, { userId: actor.id ?? null, label: actor.label });
    if (auditId === undefined) return null;
    // Read under the claim: a second instance never gets here for this date.
    const current = await hotelOf(tx, venueId, hotel.id, true);
    if (current.business_date !== d)
      throw new AppError('conflict', `the business date of ${hotel.code} moved on to ${current.business_date}`);
    const plans = new Map((await listRatePlans(tx, hotel.id)).map((p) => [p.id, p]));
    const stays = await listStays(tx, hotel.id, { from: d, to: addDays(d, 1), states: ['checked_in', 'confirmed'] });
    const inHouse = stays.filter((s) => s.state === 'checked_in' && s.check_in <= d && s.check_out > d);
    const lines = inHouse.flatMap((s) =>
      roomNightLines(s, plans.get(s.rate_plan_id)!, [d], {
        businessDate: d,
        userId: actor.id ?? null,
        nightAuditId: auditId,
      }),
    );
    const posted = await insertFolioLines(tx, lines);
    let noShows = 0;
    const lateArrivals: { stayId: number; orderCode: string | null; name: string | null }[] = [];
    for (const s of stays.filter((x) => x.state === 'confirmed' && x.check_in <= d && !x.late_arrival)) {
      const plan = plans.get(s.rate_plan_id)!;
      if (plan.kind === 'package' && (await admittedOn(tx, s.id, d))) {
        await updateStay(tx, s.id, { late_arrival: true });
        lateArrivals.push({ stayId: s.id, orderCode: s.order_code, name: s.customer_name });
        continue;
      }
      await applyNoShow(tx, actor, s, d, now);
      noShows++;
    }
    await setBusinessDate(tx, hotel.id, d, addDays(d, 1));
    await finishNightAudit(tx, auditId, { posted, noShows, lateArrivals });
    await insertAudit(tx, {
      actorKind: actor.kind,
      actorId: actor.id,
      actorLabel: actor.label,
      action: 'hotel.night_audit',
      venueId,
      subjectKind: 'hotel',
      subjectId: hotel.id,
      before: { businessDate: d },
      after: { businessDate: addDays(d, 1), posted, noShows, lateArrivals: lateArrivals.map((l) => l.stayId) },
    });
    return { ran: true as const, businessDate: d, posted, noShows, lateArrivals, by: actor.label };
  });
  return result ?? done();
}
