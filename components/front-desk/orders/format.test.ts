import { describe, expect, it } from 'vitest';
import { maskPhone } from './format.ts';

describe('maskPhone', () => {
  it('shows the first three and last four digits of a mainland mobile', () => {
    expect(maskPhone('139 0000 1234')).toBe('139****1234');
  });
  it('drops the country code an OTA sends (+86, 0086) instead of masking it', () => {
    expect(maskPhone('+86 150 0000 0006')).toBe('150****0006');
    expect(maskPhone('0086 15000000006')).toBe('150****0006');
  });
  it('keeps a landline whole apart from the middle, and short or missing numbers as they are', () => {
    expect(maskPhone('010-86123456')).toBe('010****3456');
    expect(maskPhone('12345')).toBe('12345');
    expect(maskPhone(null)).toBeNull();
  });
});
