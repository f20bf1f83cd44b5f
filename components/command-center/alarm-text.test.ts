import { describe, expect, it } from 'vitest';
import { createTranslator } from 'use-intl';
import { LOCALES, messagesFor } from '../../lib/i18n/config.ts';
import type { TAlarm } from '../../lib/schemas/live.ts';
import { alarmDetail, alarmSubject, type AlarmSubjects, type TAlarmStrings } from './alarm-text.ts';

function words(locale: (typeof LOCALES)[number]): TAlarmStrings & { kind: (k: TAlarm['kind']) => string } {
  const messages = messagesFor(locale);
  const t = createTranslator({ locale, messages, namespace: 'attractions.alarm' });
  const ta = createTranslator({ locale, messages, namespace: 'alarms' });
  return {
    venue: ta('venue'),
    queue: (pct) => t('queue', { pct }),
    silent: (n) => t('silent', { n }),
    stranded: (n) => t('stranded', { n }),
    roomsShort: (n) => ta('roomsShort', { n }),
    kind: (k) => ta(`kind.${k}`),
  };
}

const SUBJECTS: AlarmSubjects = {
  zones: new Map([[4, { nameZh: '索道上站', nameEn: 'Ropeway Upper Station' }]]),
  gates: new Map([[7, { code: 'RL-01', nameZh: '索道下站1号检票闸机', nameEn: 'Ropeway lower boarding turnstile 1' }]]),
  attractions: new Map([
    [1, { code: 'ROPEWAY', nameZh: '云岭索道', nameEn: 'Yunling Ropeway' }],
    [2, { code: 'LIFT-A', nameZh: '云顶高速吊椅', nameEn: 'Summit express chairlift' }],
  ]),
  hotels: new Map([[3, { code: 'LODGE', nameZh: '云岭山居酒店', nameEn: 'Yunling Mountain Lodge' }]]),
};

const alarm = (over: Partial<TAlarm>): TAlarm => ({
  id: 1,
  subjectKind: 'attraction',
  subjectId: 1,
  kind: 'queue',
  severity: 'warning',
  state: 'active',
  value: null,
  threshold: null,
  openedAt: '2026-12-02T07:00:00.000Z',
  ackedAt: null,
  ackedBy: null,
  ackNote: null,
  escalated: false,
  clearedAt: null,
  ...over,
});

describe('attraction alarms on the wall', () => {
  it('name the attraction in the wall’s language, and say what is wrong with its value', () => {
    const en = words('en');
    const zh = words('zh-CN');
    const stranded = alarm({ kind: 'stranded', severity: 'critical', value: 42 });
    expect(alarmSubject(stranded, SUBJECTS, 'en', en)).toBe('Yunling Ropeway');
    expect(alarmSubject(stranded, SUBJECTS, 'zh-CN', zh)).toBe('云岭索道');
    expect(alarmDetail(stranded, en)).toBe('42 people at the far end');
    expect(alarmDetail({ ...stranded, value: 1 }, en)).toBe('1 person at the far end');
    expect(alarmDetail(stranded, zh)).toBe('另一端滞留 42 人');

    const queue = alarm({ subjectId: 2, kind: 'queue', value: 0.934 });
    expect(alarmSubject(queue, SUBJECTS, 'en', en)).toBe('Summit express chairlift');
    expect(alarmDetail(queue, en)).toBe('93% of hourly capacity');
    expect(alarmDetail(queue, zh)).toBe('达每小时运量 93%');

    const silent = alarm({ subjectId: 2, kind: 'attraction_silent', value: 25 });
    expect(alarmDetail(silent, en)).toBe('nothing scanned for 25 min');
    expect(alarmDetail(silent, zh)).toBe('已 25 分钟无检票');
  });

  it('name a hotel overbooked tonight and the rooms it is short', () => {
    const [en, zh] = [words('en'), words('zh-CN')];
    const over = alarm({
      subjectKind: 'hotel',
      subjectId: 3,
      kind: 'hotel_overbooked',
      severity: 'critical',
      value: 2,
    });
    expect(alarmSubject(over, SUBJECTS, 'en', en)).toBe('Yunling Mountain Lodge');
    expect(alarmSubject(over, SUBJECTS, 'zh-CN', zh)).toBe('云岭山居酒店');
    expect(alarmSubject({ ...over, subjectId: 8 }, SUBJECTS, 'en', en)).toBe('#8');
    expect(alarmDetail(over, en)).toBe('2 rooms short');
    expect(alarmDetail({ ...over, value: 1 }, en)).toBe('1 room short');
    expect(alarmDetail(over, zh)).toBe('缺 2 间房');
  });

  it('have a kind name in both languages', () => {
    for (const locale of LOCALES)
      for (const k of ['queue', 'attraction_silent', 'stranded', 'hotel_overbooked'] as const)
        expect(words(locale).kind(k), `${locale} ${k}`).not.toMatch(/^alarms\.kind/);
  });

  it('show an attraction the wall does not know yet by its id, and keep the other subjects and values', () => {
    const en = words('en');
    expect(alarmSubject(alarm({ subjectId: 9 }), { zones: new Map(), gates: new Map() }, 'en', en)).toBe('#9');
    expect(alarmSubject(alarm({ subjectKind: 'zone', subjectId: 4 }), SUBJECTS, 'en', en)).toBe(
      'Ropeway Upper Station',
    );
    expect(alarmSubject(alarm({ subjectKind: 'gate', subjectId: 7 }), SUBJECTS, 'zh-CN', en)).toBe(
      'RL-01 索道下站1号检票闸机',
    );
    expect(alarmSubject(alarm({ subjectKind: 'venue', subjectId: 1 }), SUBJECTS, 'en', en)).toBe('Whole venue');
    expect(alarmDetail(alarm({ kind: 'capacity', subjectKind: 'zone', value: 0.86 }), en)).toBe('86%');
    expect(alarmDetail(alarm({ kind: 'offline_conflict', subjectKind: 'gate', value: 3 }), en)).toBe('× 3');
    expect(alarmDetail(alarm({ kind: 'stranded', value: null }), en)).toBe('');
  });
});
