import { describe, expect, it } from 'vitest';
import { createExpiringMap } from './expiringMap.js';

function mapAt(options: { retentionMs: number; maxEntries: number }) {
  const clock = { nowMs: 1_000_000 };
  const map = createExpiringMap<string>({ now: () => clock.nowMs, ...options });
  return { map, clock };
}

describe('expiring map of the 2Factor simulator', () => {
  it('answers a value until retentionMs after it was set, then forgets it', () => {
    const { map, clock } = mapAt({ retentionMs: 1_000, maxEntries: 10 });
    map.set('+919876543210', '123456');
    clock.nowMs += 999;
    expect(map.get('+919876543210')).toBe('123456');
    clock.nowMs += 1;
    expect(map.get('+919876543210')).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('sweep drops every expired entry without being asked for them, and keeps the live ones', () => {
    const { map, clock } = mapAt({ retentionMs: 1_000, maxEntries: 10 });
    map.set('a', '1');
    map.set('b', '2');
    clock.nowMs += 500;
    map.set('c', '3');
    clock.nowMs += 500;
    map.sweep();
    expect(map.size).toBe(1);
    expect(map.get('c')).toBe('3');
  });

  it('setting a key again renews it: it outlives entries set after its first value', () => {
    const { map, clock } = mapAt({ retentionMs: 1_000, maxEntries: 10 });
    map.set('a', 'old');
    clock.nowMs += 500;
    map.set('b', '2');
    map.set('a', 'new');
    clock.nowMs += 900;
    map.sweep();
    expect([map.get('a'), map.get('b')]).toEqual(['new', '2']);
    clock.nowMs += 100;
    map.sweep();
    expect(map.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the oldest first', () => {
    const { map } = mapAt({ retentionMs: 60_000, maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) map.set(key, key.toUpperCase());
    expect(map.size).toBe(3);
    expect([map.get('a'), map.get('b'), map.get('c'), map.get('e')]).toEqual([undefined, undefined, 'C', 'E']);
  });

  it('clear forgets everything', () => {
    const { map } = mapAt({ retentionMs: 60_000, maxEntries: 3 });
    map.set('a', '1');
    map.clear();
    expect([map.size, map.get('a')]).toEqual([0, undefined]);
  });
});
