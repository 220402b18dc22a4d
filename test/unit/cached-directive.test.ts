// Hot paths read a few directives per command through CachedDirective: it must see every
// change (by name or alias) and parse only after one.
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/config.js';
import { parseNotifyFlags } from '../../src/actors/notify.js';

describe('CachedDirective', () => {
  it('parses once, then again only after a set', () => {
    const config = new Config();
    let parses = 0;
    const lag = config.cached('min-replicas-max-lag', (v) => {
      parses++;
      return Number(v);
    });
    expect([lag.value, lag.value, lag.value]).toEqual([10, 10, 10]);
    expect(parses).toBe(1);
    config.set('min-replicas-max-lag', ['3'], true);
    expect(lag.value).toBe(3);
    expect(lag.value).toBe(3);
    expect(parses).toBe(2);
  });

  it('follows its directive set under an alias, and through a refused set keeps the old value', () => {
    const config = new Config();
    const events = config.cached('notify-keyspace-events', (v) => parseNotifyFlags(v) ?? 0);
    expect(events.value).toBe(0);
    config.set('notify-keyspace-events', ['KEA'], true);
    const kea = events.value;
    expect(kea).toBe(parseNotifyFlags('KEA'));
    expect(kea).not.toBe(0);
    expect(() => config.set('notify-keyspace-events', ['Z?'], true)).toThrow();
    expect(events.value).toBe(kea);
    const minReplicas = config.cached('min-replicas-to-write', Number);
    config.set('min-slaves-to-write', ['2'], true);
    expect(minReplicas.value).toBe(2);
  });
});
