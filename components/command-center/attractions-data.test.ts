import { describe, expect, it } from 'vitest';
import { createTranslator } from 'use-intl';
import { LOCALES, messagesFor } from '../../lib/i18n/config.ts';
import {
  barShare,
  hoursText,
  percent,
  stateText,
  UTILISATION_CRIT,
  UTILISATION_WARN,
  utilisation,
  utilisationLevel,
  type TAttractionRow,
  type TAttractionState,
  type TAttractionStrings,
} from './attractions-data.ts';

/** The panel's words as the wall gets them, from the message files. */
function words(locale: (typeof LOCALES)[number]): TAttractionStrings {
  const t = createTranslator({ locale, messages: messagesFor(locale), namespace: 'attractions' });
  return {
    allDay: t('allDay'),
    hours: (opens, closes) => t('hours', { opens, closes }),
    throttledTo: (n) => t('throttledTo', { n }),
    state: (s) => t(`state.${s}`),
  };
}

const row = (over: Partial<TAttractionRow> = {}): TAttractionRow => ({
  id: 2,
  code: 'LIFT-A',
  nameZh: '云顶高速吊椅',
  nameEn: 'Summit express chairlift',
  kind: 'lift',
  hourlyCapacity: 1800,
  opens: '08:30',
  closes: '16:30',
  ridesLastHour: 1206,
  ridesToday: 4321,
  closed: false,
  ridesPerMin: null,
  controlNote: null,
  allDay: false,
  state: 'open',
  ...over,
});

describe('utilisation', () => {
  it('is rides in the last hour against the hourly capacity, and bands like a zone', () => {
    expect(utilisation(row())).toBeCloseTo(0.67, 2);
    expect(percent(utilisation(row()))).toBe(67);
    expect(utilisation(row({ hourlyCapacity: 0 }))).toBe(0);
    expect(utilisationLevel(0.5, 'open')).toBe('calm');
    expect(utilisationLevel(UTILISATION_WARN, 'throttled')).toBe('warn');
    expect(utilisationLevel(UTILISATION_CRIT, 'open')).toBe('crit');
    expect(utilisationLevel(1.3, 'open')).toBe('crit');
  });

  it('greys out an attraction that does not run, whatever it carried in the hour', () => {
    expect(utilisationLevel(0.99, 'closed')).toBe('idle');
    expect(utilisationLevel(0.99, 'outside_hours')).toBe('idle');
  });

  it('keeps the bar on its track above capacity; the percentage tells the rest', () => {
    expect(barShare(1.3)).toBe(1);
    expect(barShare(-1)).toBe(0);
    expect(percent(1.3)).toBe(130);
  });
});

describe('row words', () => {
  it('names every state in both languages, a throttle with its rate and a closure with its note', () => {
    for (const locale of LOCALES) {
      const t = words(locale);
      for (const s of ['open', 'closed', 'throttled', 'outside_hours'] as TAttractionState[])
        expect(t.state(s).length, `${locale} ${s}`).toBeGreaterThan(0);
    }
    const en = words('en');
    const zh = words('zh-CN');
    expect(stateText(row({ state: 'throttled', ridesPerMin: 20 }), en)).toBe('Throttled · max 20 / min');
    expect(stateText(row({ state: 'throttled', ridesPerMin: 20 }), zh)).toBe('限流 · 限 20 人/分钟');
    expect(stateText(row({ state: 'closed', closed: true, controlNote: ' 大风停运 ' }), zh)).toBe('已停运 · 大风停运');
    expect(stateText(row({ state: 'closed', closed: true }), en)).toBe('Closed');
    expect(stateText(row({ state: 'outside_hours' }), en)).toBe('Outside hours');
  });

  it('prints opening hours, or that it is open all day', () => {
    expect(hoursText(row(), words('en'))).toBe('08:30–16:30');
    expect(hoursText(row({ allDay: true, opens: '00:00', closes: '00:00' }), words('zh-CN'))).toBe('全天开放');
  });
});
