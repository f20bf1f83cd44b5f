import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeTicketCode } from '../../lib/ticket-code.ts';
import { SimGateDevice } from './gate-device.ts';

const code = (n: number) => encodeTicketCode(new Uint8Array(16).fill(n), 'T');

describe("an inner gate's offline rule", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('at a transfer or checkpoint lets a readable code through however often it comes', async () => {
    const device = new SimGateDevice({
      baseUrl: 'http://127.0.0.1:9',
      gateCode: 'YKS-01',
      token: 'x',
      edge: 'transfer',
    });
    try {
      expect(await device.scan(code(1), 'in')).toEqual({ result: 'admit', offline: true });
      expect(await device.scan(code(1), 'out')).toEqual({ result: 'admit', offline: true });
      expect(await device.scan(code(1), 'in')).toEqual({ result: 'admit', offline: true });
      expect(await device.scan('not a code', 'in')).toEqual({ result: 'reject', reason: 'invalid', offline: true });
    } finally {
      device.disconnect();
    }
  });

  it('at a lift refuses the same code within its ride gap, and lets it ride again after', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-22T02:00:00Z'));
    const device = new SimGateDevice({
      baseUrl: 'http://127.0.0.1:9',
      gateCode: 'LA-01',
      token: 'x',
      edge: 'attraction',
      rideGapMs: 5 * 60_000,
    });
    try {
      expect(await device.scan(code(2), 'in')).toEqual({ result: 'admit', offline: true });
      expect(await device.scan(code(3), 'in')).toEqual({ result: 'admit', offline: true });
      vi.setSystemTime(Date.parse('2026-11-22T02:04:00Z'));
      expect(await device.scan(code(2), 'in')).toEqual({ result: 'reject', reason: 'ride_too_soon', offline: true });
      vi.setSystemTime(Date.parse('2026-11-22T02:05:01Z'));
      expect(await device.scan(code(2), 'in')).toEqual({ result: 'admit', offline: true });
      expect(device.queueLength).toBe(4);
    } finally {
      device.disconnect();
    }
  });
});
