import { describe, expect, it } from 'vitest';
import { rejectDetail } from './reject-detail.ts';

const label = (r: string) => ({ used: '已核销', invalid: '无效码', passback: '反潜回', unknown: '票码不存在' })[r] ?? r;

describe('reject detail', () => {
  it('names the largest reasons and adds up the rest as other', () => {
    expect(
      rejectDetail({ rejects: 20, rejectsByReason: { invalid: 5, used: 12, passback: 2, unknown: 1 } }, label, '其他'),
    ).toBe('已核销 12 · 无效码 5 · 其他 3');
  });

  it('counts rejections without a reason (before an upgrade) as other, and shows nothing without reasons', () => {
    expect(rejectDetail({ rejects: 9, rejectsByReason: { used: 4 } }, label, 'other')).toBe('已核销 4 · other 5');
    expect(rejectDetail({ rejects: 9, rejectsByReason: {} }, label, 'other')).toBeUndefined();
    expect(rejectDetail({ rejects: 0, rejectsByReason: { used: 0 } }, label, 'other')).toBeUndefined();
  });

  it('orders equal counts by reason so the line does not jump around', () => {
    expect(rejectDetail({ rejects: 2, rejectsByReason: { used: 1, invalid: 1 } }, label, 'other')).toBe(
      '无效码 1 · 已核销 1',
    );
  });
});
