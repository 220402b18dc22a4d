// Keyspace notifications (notify.c): with notify-keyspace-events set, a change to a key is
// published on __keyspace@<db>__:<key> (the event as message) and __keyevent@<db>__:<event>
// (the key as message), for the classes the setting names. Commands call
// notifyKeyspaceEvent where Redis does, with Redis's event names.
import type { Client } from './client.js';
import type { Server } from './server.js';

export const NOTIFY = {
  keyspace: 1 << 0, keyevent: 1 << 1, generic: 1 << 2, string: 1 << 3, list: 1 << 4, set: 1 << 5,
  hash: 1 << 6, zset: 1 << 7, expired: 1 << 8, evicted: 1 << 9, stream: 1 << 10, keyMiss: 1 << 11,
  module: 1 << 13, new: 1 << 14,
} as const;

/** The class letters in the order keyspaceEventsFlagsToString writes them. */
const CLASSES: Array<[string, number]> = [
  ['g', NOTIFY.generic], ['$', NOTIFY.string], ['l', NOTIFY.list], ['s', NOTIFY.set], ['h', NOTIFY.hash],
  ['z', NOTIFY.zset], ['x', NOTIFY.expired], ['e', NOTIFY.evicted], ['t', NOTIFY.stream], ['d', NOTIFY.module],
  ['n', NOTIFY.new],
];
/** 'A': every class but key-miss and new-key events. */
const ALL = NOTIFY.generic | NOTIFY.string | NOTIFY.list | NOTIFY.set | NOTIFY.hash | NOTIFY.zset |
  NOTIFY.expired | NOTIFY.evicted | NOTIFY.stream | NOTIFY.module;
const LETTERS = new Map<string, number>([
  ...CLASSES, ['A', ALL], ['K', NOTIFY.keyspace], ['E', NOTIFY.keyevent], ['m', NOTIFY.keyMiss],
]);

/** keyspaceEventsStringToFlags: null for a letter Redis does not know. */
export function parseNotifyFlags(s: string): number | null {
  let flags = 0;
  for (const ch of s) {
    const f = LETTERS.get(ch);
    if (f === undefined) return null;
    flags |= f;
  }
  return flags;
}

/**
 * keyspaceEventsFlagsToString: the canonical form CONFIG GET shows. With every class, Redis
 * 7.0 prints "A" and drops "n" although new-key events stay on (and a CONFIG REWRITE loses
 * them); here the form keeps it, "An", as redstate keeps the setting as this string.
 */
export function formatNotifyFlags(flags: number): string {
  let out = '';
  if ((flags & ALL) === ALL) out += flags & NOTIFY.new ? 'An' : 'A';
  else for (const [ch, f] of CLASSES) if (flags & f) out += ch;
  if (flags & NOTIFY.keyspace) out += 'K';
  if (flags & NOTIFY.keyevent) out += 'E';
  if (flags & NOTIFY.keyMiss) out += 'm';
  return out;
}

/** notifyKeyspaceEvent: publishes event for key in db when the setting asks for its class. */
export function notifyKeyspaceEvent(server: Server, type: number, event: string, key: string, dbId: number): void {
  const flags = server.notifyFlags;
  if ((flags & type) === 0) return;
  if (flags & NOTIFY.keyspace) server.pubsub.publish(`__keyspace@${dbId}__:${key}`, event);
  if (flags & NOTIFY.keyevent) server.pubsub.publish(`__keyevent@${dbId}__:${event}`, key);
}

/** A command's notification for key in its client's db. */
export function notifyKey(c: Client, type: number, event: string, key: string): void {
  if (c.server.notifyFlags & type) notifyKeyspaceEvent(c.server, type, event, key, c.db.id);
}

/**
 * After n elements left the collection at key, `remaining` left: the command's event when
 * something went, then "del" when the key went with its last element (as Redis orders them).
 */
export function notifyRemoval(c: Client, type: number, event: string, key: string, remaining: number, n: number): void {
  if (n > 0) notifyKey(c, type, event, key);
  if (remaining === 0) notifyKey(c, NOTIFY.generic, 'del', key);
}
