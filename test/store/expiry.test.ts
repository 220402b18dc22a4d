// keyIsExpired and activeExpireCycleTryExpire: a key lives through the millisecond of its
// expiry (now > when), so a replica's clock never hides a key its master still serves.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Keyspace } from '../../src/store/keyspace.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('expiry at the millisecond', () => {
  it('keeps a key readable at its expiry time and deletes it one millisecond later', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const db = new Keyspace(1).dbs[0]!;
    db.set('k', 'v');
    db.setExpire('k', 1_000_000);
    expect(db.exists('k')).toBe(true);
    vi.setSystemTime(1_000_001);
    expect(db.exists('k')).toBe(false);
  });

  it('lets the active cycle pass over a key due this millisecond', () => {
    const db = new Keyspace(1).dbs[0]!;
    db.set('k', 'v');
    db.setExpire('k', 5_000);
    db.expireCycle(5_000, Infinity, 20, 0.1);
    expect(db.getExpire('k')).toBe(5_000);
    db.expireCycle(5_001, Infinity, 20, 0.1);
    expect(db.getExpire('k')).toBeUndefined();
  });
});
