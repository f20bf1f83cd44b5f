import type { TAlarm } from '../../lib/schemas/live.ts';

/*
 * What an alarm on the wall names and says, as pure functions (alarm-text.test.ts): the subject
 * (the venue, a zone, a gate, an attraction or a hotel, in the wall's language) and the value beside
 * the kind (a share of capacity, a number of conflicts, minutes of silence, people stranded, rooms short).
 */

export interface AlarmSubjects {
  zones: ReadonlyMap<number, { nameZh: string; nameEn: string }>;
  gates: ReadonlyMap<number, { code: string; nameZh: string; nameEn: string }>;
  /** The venue's attractions (ropeway, lifts), once the wall has them. */
  attractions?: ReadonlyMap<number, { code: string; nameZh: string; nameEn: string }>;
  /** The venue's hotels, once the wall has them. */
  hotels?: ReadonlyMap<number, { code: string; nameZh: string; nameEn: string }>;
}

/** The words the values need (messages `attractions.alarm`). */
export interface TAlarmStrings {
  venue: string;
  queue: (pct: number) => string;
  silent: (minutes: number) => string;
  stranded: (people: number) => string;
  /** A hotel overbooked tonight: rooms it is short (messages `alarms.roomsShort`). */
  roomsShort: (rooms: number) => string;
}

const named = (x: { nameZh: string; nameEn: string }, locale: string) => (locale === 'en' ? x.nameEn : x.nameZh);

/** The alarm's subject by name; an id the wall does not know (yet) shows as #id. */
export function alarmSubject(a: TAlarm, subjects: AlarmSubjects, locale: string, t: TAlarmStrings): string {
  if (a.subjectKind === 'venue') return t.venue;
  if (a.subjectKind === 'zone') {
    const z = subjects.zones.get(a.subjectId);
    return z ? named(z, locale) : `#${a.subjectId}`;
  }
  if (a.subjectKind === 'attraction' || a.subjectKind === 'hotel') {
    const x = (a.subjectKind === 'hotel' ? subjects.hotels : subjects.attractions)?.get(a.subjectId);
    return x ? named(x, locale) : `#${a.subjectId}`;
  }
  const g = subjects.gates.get(a.subjectId);
  return g ? `${g.code} ${named(g, locale)}` : `#${a.subjectId}`;
}

/** The value beside the alarm's kind ('' when it has none). */
export function alarmDetail(a: TAlarm, t: TAlarmStrings): string {
  if (a.value === null) return '';
  switch (a.kind) {
    case 'offline_conflict':
      return `× ${a.value}`;
    case 'queue':
      return t.queue(Math.round(a.value * 100));
    case 'attraction_silent':
      return t.silent(Math.round(a.value));
    case 'stranded':
      return t.stranded(Math.round(a.value));
    case 'hotel_overbooked':
      return t.roomsShort(Math.round(a.value));
    default:
      return `${Math.round(a.value * 100)}%`;
  }
}
