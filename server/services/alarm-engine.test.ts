import { describe, expect, it } from 'vitest';
import { openSince } from './alarm-engine.ts';

/** When an attraction counts as open for its alarms (queue, silent gates): hours, or a show's doors to its end. */
describe('openSince', () => {
  const at = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  const lift = { opens: '08:30', closes: '16:30', day_reset: '04:00', shows: null, doors_min: 30 };
  const show = {
    ...lift,
    opens: '13:00',
    closes: '21:00',
    shows: [
      { starts: '14:00', ends: '15:10' },
      { starts: '19:30', ends: '20:40' },
    ],
  };

  it('an attraction with hours is open within them, since it opened', () => {
    expect(openSince(lift, at('08:29'))).toBeNull();
    expect(openSince(lift, at('09:00'))).toBe(at('08:30'));
    expect(openSince(lift, at('16:31'))).toBeNull();
    // Equal times: all day, since the venue's daily reset.
    expect(openSince({ ...lift, opens: '00:00', closes: '00:00' }, at('03:00'))).toBe(at('04:00'));
  });

  it('a show is open from its doors to its end, and closed between shows even within its hours', () => {
    expect(openSince(show, at('13:29'))).toBeNull();
    expect(openSince(show, at('13:30'))).toBe(at('13:30'));
    expect(openSince(show, at('15:10'))).toBe(at('13:30'));
    expect(openSince(show, at('16:00'))).toBeNull();
    expect(openSince(show, at('19:00'))).toBe(at('19:00'));
    expect(openSince(show, at('20:41'))).toBeNull();
  });
});
