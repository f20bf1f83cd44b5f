import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  heapGrowth,
  heapTotals,
  isCompiledCode,
  linearTrend,
  summarizeHeapSnapshot,
  type THeapSnapshot,
} from './heap-summary.ts';

/** A worker keeps its own small V8 heap: real snapshots of it are quick to take and parse. */
const WORKER = `
const { parentPort } = require('node:worker_threads');
class Steady { constructor(i) { this.i = i; } }
class LeakProbe { constructor(i) { this.i = i; this.payload = 'x'.repeat(8) + i; } }
globalThis.steady = Array.from({ length: 10 }, (_, i) => new Steady(i));
globalThis.kept = [];
parentPort.on('message', (n) => {
  for (let i = 0; i < n; i++) globalThis.kept.push(new LeakProbe(i));
  parentPort.postMessage('grown');
});
parentPort.postMessage('ready');
`;

async function snapshotOf(worker: Worker): Promise<THeapSnapshot> {
  const stream = await worker.getHeapSnapshot();
  let text = '';
  for await (const chunk of stream) text += chunk;
  return JSON.parse(text) as THeapSnapshot;
}

describe('heap snapshot summary', () => {
  it('names the constructor whose objects a page keeps accumulating, and not the steady ones', async () => {
    const worker = new Worker(WORKER, { eval: true });
    try {
      await once(worker, 'message');
      const before = summarizeHeapSnapshot(await snapshotOf(worker));
      worker.postMessage(1000);
      await once(worker, 'message');
      const after = summarizeHeapSnapshot(await snapshotOf(worker));

      expect(before.get('object:Steady')?.count).toBe(10);
      expect(after.get('object:LeakProbe')?.count).toBe(1000);
      const growth = heapGrowth(before, after, { minCount: 100, minBytes: 1 << 20 });
      const probe = growth.find((g) => g.key === 'object:LeakProbe');
      expect(probe?.after.count).toBe(1000);
      expect(probe?.before.count ?? 0).toBe(0);
      // The control: objects the worker made once and kept are not reported as growing.
      expect(growth.some((g) => g.key === 'object:Steady')).toBe(false);
      expect(heapTotals(after).count).toBeGreaterThan(heapTotals(before).count);
      const withoutCode = heapTotals(after, (k) => !isCompiledCode(k));
      expect(withoutCode.bytes).toBe(heapTotals(after).bytes - (after.get('code')?.bytes ?? 0));
    } finally {
      await worker.terminate();
    }
  });

  it('refuses a file that is not a heap snapshot', () => {
    const bad = {
      snapshot: { meta: { node_fields: ['id'], node_types: [[]] } },
      nodes: [1],
      strings: [],
    } as unknown as THeapSnapshot;
    expect(() => summarizeHeapSnapshot(bad)).toThrow(/not a V8 heap snapshot/);
  });
});

describe('linear trend', () => {
  it('recovers a known slope and gives a flat series an error bar around zero', () => {
    const rising = Array.from({ length: 50 }, (_, i) => ({ x: i, y: 3 + 0.5 * i + (i % 2 ? 0.1 : -0.1) }));
    const t = linearTrend(rising);
    expect(t.slope).toBeCloseTo(0.5, 2);
    expect(t.stderr).toBeLessThan(0.01);
    const flat = Array.from({ length: 50 }, (_, i) => ({ x: i, y: 18 + (i % 3) - 1 }));
    const f = linearTrend(flat);
    expect(Math.abs(f.slope)).toBeLessThan(2 * f.stderr + 1e-9);
  });

  it('has no trend for fewer than three points', () => {
    expect(
      linearTrend([
        { x: 0, y: 1 },
        { x: 1, y: 2 },
      ]).stderr,
    ).toBe(Number.POSITIVE_INFINITY);
  });
});
