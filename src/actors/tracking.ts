// Client-side caching (tracking.c): CLIENT TRACKING remembers which clients read which keys
// and tells them when a key changes, with a RESP3 push `>2 invalidate [keys]`, or in RESP2
// through a REDIRECT to a connection subscribed to __redis__:invalidate. In BCAST mode a
// client is told of every key under its prefixes that changed, in one message per prefix at
// the end of the event-loop turn (beforeSleep). The table of keys is global (key names,
// whatever the db), as in Redis; a key's readers are forgotten once they were told.
import type { Command } from '../commands/command.js';
import { commandKeys } from '../commands/keys-of.js';
import { effectiveCommand } from '../commands/subcommands.js';
import { lookupCommand } from '../commands/table.js';
import type { Client } from './client.js';
import type { Server } from './server.js';
import { markMutable } from '../mutable-fields.js';

/** A tracking client's options (the CLIENT_TRACKING_* flags). */
export interface TrackingState {
  /** The client id invalidations go to; 0 for the client itself. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING given for the next command (CLIENT_TRACKING_CACHING). */
  caching: boolean;
  /** The redirect client is gone (CLIENT_TRACKING_BROKEN_REDIR). */
  brokenRedirect: boolean;
  /** BCAST prefixes ("" for every key). */
  prefixes: Set<string>;
}

export type TrackingOptions = Pick<TrackingState, 'bcast' | 'optin' | 'optout' | 'noloop'>;

/** One BCAST prefix: its clients, and the keys changed this turn with who changed each. */
interface Prefix {
  clients: Set<Client>;
  keys: Map<string, Client | null>;
}

const CHANNEL = '__redis__:invalidate';

/** The read-only script commands call() leaves out of trackingRememberKeys. */
const SCRIPTS_RO = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);

/** A read, as tracking counts one: flagged readonly, and not a pub/sub command. */
const isRead = (cmd: Command): boolean => cmd.flags.includes('readonly') && !cmd.flags.includes('pubsub');

/** A flush's invalidation value: the null of the tracking client's protocol, wherever it is sent (shared.null[c->resp]). */
const flushed = (c: Client) => (w: Client['reply']): void => w.raw(Buffer.from(c.reply.resp3 ? '_\r\n' : '$-1\r\n'));

export class Tracking {
  /** key -> ids of the clients that read it since it last changed (TrackingTable). */
  private readonly table = new Map<string, Set<number>>();
  private totalItems = 0;
  /** BCAST prefixes (PrefixTable). */
  private readonly prefixes = new Map<string, Prefix>();
  /** Clients with tracking on (server.tracking_clients). */
  clients = 0;
  /** The client whose command is running (server.current_client): its own invalidations follow its reply. */
  current: Client | null = null;
  /** Invalidations of the current client's keys held until its reply is out; null is a flush. */
  private pending: Array<string | null> = [];
  private broadcastScheduled = false;
  /** serverCron runs in a row that found the table over tracking-table-max-keys. */
  private overLimitRuns = 0;

  constructor(private readonly server: Server) {
    markMutable(this, 'totalItems');
  }

  get totalKeys(): number {
    return this.table.size;
  }

  get totalItemsCount(): number {
    return this.totalItems;
  }

  get totalPrefixes(): number {
    return this.prefixes.size;
  }

  // checkPrefixCollisionsOrReply
  /** Redis's error when a new prefix overlaps one of c's or another new one; null when none does. */
  prefixCollision(c: Client, prefixes: readonly string[]): string | null {
    const overlap = (a: string, b: string): boolean => a.startsWith(b) || b.startsWith(a);
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i]!;
      for (const old of c.tracking?.prefixes ?? []) {
        if (overlap(p, old)) return `ERR Prefix '${p}' overlaps with an existing prefix '${old}'. Prefixes for a single client must not overlap.`;
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        if (overlap(p, prefixes[j]!)) return `ERR Prefix '${p}' overlaps with another provided prefix '${prefixes[j]}'. Prefixes for a single client must not overlap.`;
      }
    }
    return null;
  }

  // enableTracking
  /** Turns tracking on for c (or changes its options); BCAST adds prefixes to those it has. */
  enable(c: Client, redirect: number, opts: TrackingOptions, prefixes: readonly string[]): void {
    if (c.tracking === null) {
      this.clients++;
      c.tracking = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedirect: false, prefixes: new Set() };
    }
    const t = c.tracking;
    t.redirect = redirect;
    t.brokenRedirect = false;
    Object.assign(t, opts);
    this.server.keyspace.onModified = this.invalidateKey;
    if (!opts.bcast) return;
    for (const p of prefixes.length === 0 ? [''] : prefixes) {
      let entry = this.prefixes.get(p);
      if (entry === undefined) this.prefixes.set(p, (entry = { clients: new Set(), keys: new Map() }));
      entry.clients.add(c);
      t.prefixes.add(p);
    }
  }

  // disableTracking
  disable(c: Client): void {
    const t = c.tracking;
    if (t === null) return;
    for (const p of t.prefixes) {
      const entry = this.prefixes.get(p)!;
      entry.clients.delete(c);
      if (entry.clients.size === 0) this.prefixes.delete(p);
    }
    c.tracking = null;
    this.clients--;
  }

  // trackingRememberKeys
  /** After a command of a tracking (not BCAST) client: a read-only one makes it cache its keys. */
  remember(c: Client, container: Command, argv: readonly string[]): void {
    const cmd = effectiveCommand(container, argv);
    // A read-only script's own keys are remembered when its commands read, not for the script itself.
    if (!isRead(cmd) || SCRIPTS_RO.has(cmd.name)) return;
    this.rememberKeys(c, cmd, argv);
  }

  /**
   * A command a script ran (container, argv) that reads: the keys the script's caller declared
   * (its EVAL's or FCALL's) are remembered for the caller, as Redis 7.0 remembers them.
   */
  rememberForScript(caller: Client, callerArgv: readonly string[], container: Command, argv: readonly string[]): void {
    const t = caller.tracking;
    if (t === null || t.bcast || !isRead(effectiveCommand(container, argv))) return;
    this.rememberKeys(caller, lookupCommand(callerArgv[0]!)!, callerArgv);
  }

  private rememberKeys(c: Client, cmd: Command, argv: readonly string[]): void {
    const t = c.tracking!;
    if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
    for (const key of commandKeys(cmd, argv)) {
      let ids = this.table.get(key);
      if (ids === undefined) this.table.set(key, (ids = new Set()));
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.totalItems++;
      }
    }
  }

  // trackingInvalidateKey (signalModifiedKey): the keyspace calls it for every key a write touches.
  readonly invalidateKey = (key: string): void => {
    if (this.prefixes.size > 0) this.rememberForBroadcast(key);
    this.invalidateReaders(key);
  };

  /** Tells the clients that read key (but NOLOOP's own writes) and forgets them. */
  private invalidateReaders(key: string): void {
    const ids = this.table.get(key);
    if (ids === undefined) return;
    const current = this.current;
    for (const id of ids) {
      const target = this.server.clients.get(id);
      const t = target?.tracking;
      if (t === undefined || t === null || t.bcast) continue;
      if (t.noloop && target === current) continue;
      if (target === current) this.pending.push(key);
      else this.send(target!, (w) => this.keysArray(w, [key]));
    }
    this.totalItems -= ids.size;
    this.table.delete(key);
  }

  // trackingLimitUsedSlots
  /**
   * Before each command and from serverCron: a table past tracking-table-max-keys sheds keys (their readers told, as
   * if the keys changed), oldest first, with more effort each run it stays over.
   */
  limitUsedSlots(max: number): void {
    if (max === 0 || this.table.size <= max) {
      this.overLimitRuns = 0;
      return;
    }
    let effort = 100 * (this.overLimitRuns + 1);
    for (const key of this.table.keys()) {
      if (effort-- <= 0) break;
      this.invalidateReaders(key);
      if (this.table.size <= max) {
        this.overLimitRuns = 0;
        return;
      }
    }
    this.overLimitRuns++;
  }

  // trackingInvalidateKeysOnFlush
  /** FLUSHALL, FLUSHDB, a load: every tracking client is told with a null, and the table is emptied. */
  invalidateOnFlush(): void {
    if (this.clients > 0) {
      for (const c of this.server.clients.values()) {
        if (c.tracking === null) continue;
        if (c === this.current) this.pending.push(null);
        else this.send(c, flushed(c));
      }
    }
    this.table.clear();
    this.totalItems = 0;
  }

  // trackingHandlePendingKeyInvalidations
  /** After the outermost command: the running client's own invalidations, after its reply. */
  afterCommand(): void {
    const c = this.current;
    this.current = null;
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    if (c === null || c.closed) return;
    for (const key of pending) {
      if (key === null) this.send(c, flushed(c));
      else this.send(c, (w) => this.keysArray(w, [key]));
    }
  }

  // trackingRememberKeyToBroadcast
  private rememberForBroadcast(key: string): void {
    for (const [prefix, entry] of this.prefixes) {
      // Who changed it, for NOLOOP: no client, for an expiry or eviction.
      if (key.startsWith(prefix)) entry.keys.set(key, this.server.keyspace.behindCommands ? null : this.current);
    }
    if (this.broadcastScheduled) return;
    this.broadcastScheduled = true;
    setImmediate(() => this.broadcast());
  }

  // trackingBroadcastInvalidationMessages (beforeSleep)
  /** Each prefix's keys changed this turn, to each of its clients; prefixes and keys in Redis's radix tree order. */
  private broadcast(): void {
    this.broadcastScheduled = false;
    for (const prefix of [...this.prefixes.keys()].sort()) {
      const entry = this.prefixes.get(prefix)!;
      if (entry.keys.size === 0) continue;
      const changed = [...entry.keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      entry.keys = new Map();
      for (const c of entry.clients) {
        const keys = c.tracking!.noloop ? changed.filter(([, by]) => by !== c) : changed;
        if (keys.length > 0) this.send(c, (w) => this.keysArray(w, keys.map(([k]) => k)));
      }
    }
  }

  private keysArray(w: Client['reply'], keys: readonly string[]): void {
    w.array(keys.length);
    for (const k of keys) w.bulk(k);
  }

  // sendTrackingMessage
  /**
   * One invalidation for c: a push to c itself in RESP3, or to its redirect client (a push
   * in RESP3, a __redis__:invalidate message when that client is subscribed in RESP2);
   * nothing for a RESP2 client of its own. value writes the keys (or the null of a flush).
   */
  private send(c: Client, value: (w: Client['reply']) => void): void {
    const t = c.tracking!;
    let to = c;
    if (t.redirect !== 0) {
      const redir = this.server.clients.get(t.redirect);
      if (redir === undefined) {
        t.brokenRedirect = true;
        if (c.reply.resp3) {
          this.push(c, () => {
            c.reply.pushHeader(2);
            c.reply.bulk('tracking-redir-broken');
            c.reply.integer(t.redirect);
          });
        }
        return;
      }
      to = redir;
    }
    const w = to.reply;
    if (w.resp3) {
      this.push(to, () => {
        w.pushHeader(2);
        w.bulk('invalidate');
        value(w);
      });
    } else if (to !== c && to.inPubSub) {
      this.push(to, () => {
        w.array(3);
        w.bulk('message');
        w.bulk(CHANNEL);
        value(w);
      });
    }
  }

  /** Writes an out-of-band message to c, leaving with the next flush. */
  private push(c: Client, write: () => void): void {
    if (c.closed) return;
    const was = c.reply.beginPush();
    write();
    c.reply.endPush(was);
    if (c !== this.current) c.flushSoon();
  }
}
