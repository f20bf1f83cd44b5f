import { describe, expect, it } from 'vitest';
import { occupancy, occupancyLevel, occupancyText } from './hotel-data.ts';

describe('the wall hotel panel figures', () => {
  it('is rooms sold of the rooms left to sell after out-of-order blocks', () => {
    expect(occupancy({ sold: 45, available: 60 })).toBe(0.75);
    expect(occupancyText({ sold: 45, available: 60 })).toBe('75%');
    expect(occupancyText({ sold: 0, available: 60 })).toBe('0%');
    // Overbooked by blocks: above 100%, and red whatever the ratio says.
    expect(occupancyText({ sold: 3, available: 2 })).toBe('150%');
    expect(occupancyLevel({ sold: 3, available: 2, overbooked: 1 })).toBe('crit');
    // Every room out of order.
    expect(occupancyText({ sold: 0, available: 0 })).toBe('0%');
    expect(occupancyText({ sold: 2, available: 0 })).toBe('–');
  });

  it('bands: grey when empty, amber from 90%, red only when overbooked', () => {
    expect(occupancyLevel({ sold: 0, available: 60, overbooked: 0 })).toBe('idle');
    expect(occupancyLevel({ sold: 30, available: 60, overbooked: 0 })).toBe('calm');
    expect(occupancyLevel({ sold: 54, available: 60, overbooked: 0 })).toBe('warn');
    expect(occupancyLevel({ sold: 60, available: 60, overbooked: 0 })).toBe('warn');
  });
});
