import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { settleHeap } from '../../src/store/settle-heap.js';

function newSpaceUsed(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
}

describe('settleHeap', () => {
  it('leaves what a bulk load kept in the young generation promoted', () => {
    settleHeap();
    // Less than a semi-space holds, so that no scavenge runs before the one asked for.
    const kept: string[] = [];
    for (let i = 0; i < 8_000; i++) kept.push(`value:${i}`.padEnd(40, 'x'));
    expect(newSpaceUsed()).toBeGreaterThan(300 << 10);
    settleHeap();
    expect(newSpaceUsed()).toBeLessThan(100 << 10);
    expect(kept[7_999]!.startsWith('value:7999')).toBe(true);
  });
});
