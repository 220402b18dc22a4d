// The server's configuration: every Redis 7.0 directive by name, its current value in the
// normal form CONFIG GET prints, and validation for the directives redstate implements.
// Directives it does not implement are accepted with any arguments and reported once.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatNotifyFlags, parseNotifyFlags } from '../actors/notify.js';
import { ALL_DEFAULTS, HIDDEN_DEFAULTS } from './defaults.js';
import { validProcTitleTemplate } from './proc-title.js';
import { MAXMEMORY_POLICIES } from '../store/evict.js';
import { encodingLimits, streamLimits } from '../store/limits.js';

/** Old names Redis 7.0 still accepts, and the directive each one means. */
export const ALIASES: Readonly<Record<string, string>> = {
  'slaveof': 'replicaof',
  'slave-serve-stale-data': 'replica-serve-stale-data',
  'slave-read-only': 'replica-read-only',
  'slave-ignore-maxmemory': 'replica-ignore-maxmemory',
  'slave-lazy-flush': 'replica-lazy-flush',
  'slave-priority': 'replica-priority',
  'slave-announce-ip': 'replica-announce-ip',
  'slave-announce-port': 'replica-announce-port',
  'min-slaves-to-write': 'min-replicas-to-write',
  'min-slaves-max-lag': 'min-replicas-max-lag',
  'repl-ping-slave-period': 'repl-ping-replica-period',
  'hash-max-ziplist-entries': 'hash-max-listpack-entries',
  'hash-max-ziplist-value': 'hash-max-listpack-value',
  'zset-max-ziplist-entries': 'zset-max-listpack-entries',
  'zset-max-ziplist-value': 'zset-max-listpack-value',
  'list-max-ziplist-size': 'list-max-listpack-size',
  'lua-time-limit': 'busy-reply-threshold',
};

/**
 * Directives CONFIG SET refuses, as Redis 7.0 does; port and bind too, which Redis can
 * rebind at run time and redstate cannot yet.
 */
const IMMUTABLE = new Set([
  'aclfile', 'always-show-logo', 'aof_rewrite_cpulist', 'appenddirname', 'appendfilename', 'bgsave_cpulist',
  'bio_cpulist', 'cluster-config-file', 'cluster-enabled', 'cluster-port', 'daemonize', 'databases', 'disable-thp',
  'enable-debug-command', 'enable-module-command', 'enable-protected-configs', 'io-threads', 'io-threads-do-reads',
  'logfile', 'pidfile', 'rdbchecksum', 'replicaof', 'server_cpulist', 'set-proc-title', 'socket-mark-id',
  'supervised', 'syslog-enabled', 'syslog-facility', 'syslog-ident', 'tcp-backlog', 'unixsocket', 'unixsocketperm',
  'inspect-port', 'inspect-bind',
]);

/** Directives a config file may hold that CONFIG GET does not list. */
const FILE_ONLY = new Set(['include', 'rename-command', 'user', 'loadmodule', 'sentinel']);

export class ConfigError extends Error {}

type Check = (args: string[]) => string;

/** Redis's MULTI_ARG_CONFIG directives: they take a list of words (words() below), possibly empty. */
export const MULTI_WORD_DIRECTIVES: ReadonlySet<string> = new Set(['save', 'client-output-buffer-limit', 'oom-score-adj-values',
  'bind', 'replicaof', 'latency-tracking-info-percentiles', 'shutdown-on-sigint', 'shutdown-on-sigterm']);

/** The directives whose values are sizes (rewriteConfigBytesOption's): kept in bytes, written back in units. */
export const MEMORY_DIRECTIVES: ReadonlySet<string> = new Set([
  'maxmemory', 'proto-max-bulk-len', 'client-query-buffer-limit', 'repl-backlog-size',
  'auto-aof-rewrite-min-size', 'active-defrag-ignore-bytes', 'hash-max-listpack-value',
  'zset-max-listpack-value', 'stream-node-max-bytes', 'hll-sparse-max-bytes', 'cluster-link-sendbuf-limit',
]);

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const UINT_MAX = 4294967295;
const ULONG_LONG_MAX = 18446744073709551615n;
/** Redis's size_t directives (encoding thresholds, memory sizes) go up to LONG_MAX. */
const LONG_MAX = 9223372036854775807n;

const one = (args: string[]): string => {
  if (args.length !== 1) throw new ConfigError('wrong number of arguments');
  return args[0]!;
};

const bool: Check = (args) => {
  const v = one(args).toLowerCase();
  if (v !== 'yes' && v !== 'no') throw new ConfigError("argument must be 'yes' or 'no'");
  return v;
};

const int = (min: number | bigint, max: number | bigint): Check => (args) => {
  const s = one(args);
  // string2ll: no leading zeros, no sign on zero, within long long
  const n = /^(0|-?[1-9]\d*)$/.test(s) ? BigInt(s) : null;
  if (n === null || n > 9223372036854775807n || n < -9223372036854775808n) {
    throw new ConfigError('argument couldn\'t be parsed into an integer');
  }
  if (n < BigInt(min) || n > BigInt(max)) throw new ConfigError(`argument must be between ${min} and ${max} inclusive`);
  return String(n);
};

/** An OCTAL_CONFIG (unixsocketperm): octal digits, kept as CONFIG GET shows them (no leading zeros). */
const octal = (min: number, max: number): Check => (args) => {
  const s = one(args);
  if (!/^[0-7]+$/.test(s)) throw new ConfigError('argument couldn\'t be parsed into an integer');
  const n = parseInt(s, 8);
  if (n < min || n > max) throw new ConfigError(`argument must be between ${min} and ${max} inclusive`);
  return n.toString(8);
};

/** Redis's memtoull: digits (none is 0) with an optional k, kb, m, mb, g, gb suffix (case-insensitive). */
function parseMemoryExact(s: string): bigint | null {
  const m = /^(\d*)(k|kb|m|mb|g|gb|b)?$/i.exec(s);
  if (m === null) return null;
  const unit = (m[2] ?? 'b').toLowerCase();
  const mul: Record<string, bigint> = { b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1024n ** 2n, g: 1000000000n, gb: 1024n ** 3n };
  // strtoull saturates at ULLONG_MAX, and the unit's product wraps, as unsigned C arithmetic does.
  const digits = BigInt(m[1] || '0');
  return ((digits > ULONG_LONG_MAX ? ULONG_LONG_MAX : digits) * mul[unit]!) % (ULONG_LONG_MAX + 1n);
}

export function parseMemory(s: string): number | null {
  const n = parseMemoryExact(s);
  return n === null ? null : Number(n);
}

const memory = (min: number, max: bigint): Check => (args) => {
  const n = parseMemoryExact(one(args));
  if (n === null) throw new ConfigError('argument must be a memory value');
  if (n < min || n > max) throw new ConfigError(`argument must be between ${min} and ${max} inclusive`);
  return String(n);
};

/** maxmemory-clients: a memory value, or a percentage of maxmemory up to 100%. */
const memoryOrPercent: Check = (args) => {
  const s = one(args);
  const pct = /^(\d+)%$/.exec(s);
  if (pct !== null) {
    if (Number(pct[1]) > 100) throw new ConfigError('percentage argument must be less or equal to 100');
    return `${Number(pct[1])}%`;
  }
  const n = parseMemory(s);
  if (n === null) throw new ConfigError('argument must be a memory or percent value');
  return String(n);
};

const enumOf = (...values: string[]): Check => (args) => {
  const v = one(args).toLowerCase();
  if (!values.includes(v)) throw new ConfigError(`argument(s) must be one of the following: ${values.join(', ')}`);
  return v;
};

const str: Check = (args) => one(args);

const procTitleTemplate: Check = (args) => {
  const template = one(args);
  if (!validProcTitleTemplate(template)) throw new ConfigError('template format is invalid or contains unknown variables');
  return template;
};

/** A multi-word directive's words: a config file line gives one an argument, CONFIG SET one string of them all. */
const words = (args: string[]): string[] => (args.length === 1 ? args[0]!.split(/\s+/).filter(Boolean) : args);

/** oom-score-adj: yes is relative, and CONFIG GET says yes for both, as Redis's enum names it first. */
const oomScoreAdj: Check = (args) => {
  const v = enumOf('no', 'yes', 'relative', 'absolute')(args);
  return v === 'relative' ? 'yes' : v;
};

/** oom-score-adj-values: one score for a master, a replica and a background child. */
const oomScoreAdjValues: Check = (args) => {
  const parts = words(args);
  if (parts.length !== 3) throw new ConfigError('wrong number of arguments');
  if (parts.some((p) => !/^[-+]?\d+$/.test(p) || Math.abs(Number(p)) > 2000)) {
    throw new ConfigError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
  }
  return parts.map(Number).join(' ');
};

/** shutdown-on-sigint / shutdown-on-sigterm: "default", or some of SHUTDOWN's flags. */
const shutdownOnSignal: Check = (args) => {
  const given = words(args).map((w) => w.toLowerCase());
  const all = ['default', 'save', 'nosave', 'now', 'force'];
  if (given.length === 0 || given.some((w) => !all.includes(w))) throw new ConfigError(`argument(s) must be one of the following: ${all.join(', ')}`);
  if (given.includes('save') && given.includes('nosave')) throw new ConfigError("shutdown options SAVE and NOSAVE can't be used simultaneously");
  const flags = all.slice(1).filter((f) => given.includes(f));
  return flags.length === 0 ? 'default' : flags.join(' ');
};

/** dir: must exist; kept as an absolute path, as Redis keeps getcwd() after its chdir. */
const directory: Check = (args) => {
  const dir = resolve(one(args));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new ConfigError('No such file or directory');
  return dir;
};

/** save: "" or pairs of <seconds> <changes>. */
const save: Check = (args) => {
  const parts = words(args);
  if (parts.length % 2 !== 0 || parts.some((p) => !/^\d+$/.test(p))) throw new ConfigError('Invalid save parameters');
  return parts.map(Number).join(' ');
};

/** replicaof: "<host> <port>", or "no one" / "" for none. */
const replicaof: Check = (args) => {
  const parts = words(args);
  if (parts.length === 0) return '';
  if (parts.length !== 2) throw new ConfigError('wrong number of arguments');
  if (parts[0]!.toLowerCase() === 'no' && parts[1]!.toLowerCase() === 'one') return '';
  if (!/^\d+$/.test(parts[1]!) || Number(parts[1]) > 65535) throw new ConfigError('Invalid master port');
  return `${parts[0]} ${parts[1]}`;
};

/** inspect-port: "" (off) or a port; 0 takes any free one. */
const optionalPort: Check = (args) => (one(args) === '' ? '' : int(0, 65535)(args));

const bind: Check = (args) => {
  const parts = words(args);
  if (parts.length === 0 || parts.length > 16) throw new ConfigError('Too many bind addresses specified.');
  return parts.join(' ');
};

const CLIENT_CLASSES = ['normal', 'slave', 'replica', 'pubsub'];

/** client-output-buffer-limit: one or more "<class> <hard> <soft> <soft-seconds>" groups. */
const outputLimits = (current: () => string): Check => (args) => {
  const parts = words(args);
  if (parts.length === 0 || parts.length % 4 !== 0) throw new ConfigError('Wrong number of arguments in buffer limit configuration.');
  const groups = new Map<string, string>();
  for (const g of current().split(/\s+/).reduce<string[][]>((acc, p, i) => {
    if (i % 4 === 0) acc.push([]);
    acc[acc.length - 1]!.push(p);
    return acc;
  }, [])) groups.set(g[0]!, g.slice(1).join(' '));
  for (let i = 0; i < parts.length; i += 4) {
    let cls = parts[i]!.toLowerCase();
    if (!CLIENT_CLASSES.includes(cls)) throw new ConfigError('Invalid client class specified in buffer limit configuration.');
    if (cls === 'replica') cls = 'slave';
    const hard = parseMemory(parts[i + 1]!);
    const soft = parseMemory(parts[i + 2]!);
    const secs = parts[i + 3]!;
    if (hard === null || soft === null || !/^\d+$/.test(secs)) throw new ConfigError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    groups.set(cls, `${hard} ${soft} ${Number(secs)}`);
  }
  return ['normal', 'slave', 'pubsub'].map((c) => `${c} ${groups.get(c)}`).join(' ');
};

/** notify-keyspace-events: class letters, kept in the canonical form CONFIG GET shows. */
const notifyEvents: Check = (args) => {
  const flags = parseNotifyFlags(one(args));
  if (flags === null) throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  return formatNotifyFlags(flags);
};

/**
 * latency-tracking-info-percentiles: doubles in [0, 100] separated by spaces ("" for none),
 * kept as Redis prints them back ("%f" with trailing zeros trimmed).
 */
const percentiles: Check = (args) => {
  // One word each in a config file line, one string from CONFIG SET (a MULTI_ARG_CONFIG).
  const value = args.join(' ');
  // Split on each space, as Redis splits a multi-argument value: two spaces leave an empty, invalid word.
  return value === '' ? '' : value.split(' ').map((w) => {
    const p = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?inf$/i.test(w) ? Number(w.replace(/inf$/i, 'Infinity')) : NaN;
    if (Number.isNaN(p)) throw new ConfigError('Invalid latency-tracking-info-percentiles parameters');
    if (p > 100 || p < 0) throw new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
    return String(Number(p.toFixed(6)));
  }).join(' ');
};

/** hz: any integer, clamped to 1..500 as Redis clamps it. */
const hz: Check = (args) => String(Math.min(500, Math.max(1, Number(int(-INT_MAX, INT_MAX)(args)))));

const PROTECTION = enumOf('yes', 'no', 'local');

/**
 * Directives served at one value alone (appendonly: no AOF is kept): another value is kept for
 * CONFIG GET and reported once as not implemented, as an unserved directive is.
 */
const DEFAULT_ONLY = new Map([['appendonly', 'no']]);

interface Spec {
  check: Check;
  /** Checked as Redis checks it, kept for CONFIG GET, and otherwise not implemented. */
  ignored: boolean;
}

export class Config {
  private readonly values = new Map<string, string>();
  private readonly specs = new Map<string, Spec>();
  private readonly reported = new Set<string>();
  /** Called once for each directive that is set but not implemented. */
  onIgnored: (name: string) => void = () => {};
  /** Applies a rename-command line (Redis's error, or null); unset, such lines are ignored (an in-process server shares its process's table). */
  onRenameCommand: ((from: string, to: string) => string | null) | null = null;
  /** The `user` lines of the config file, their words after "user": ACL users made at start-up. */
  readonly userLines: string[][] = [];
  /** Called after a directive changes, with its canonical name. */
  onChange: (name: string) => void = () => {};
  /** Also called after a directive changes: the server's parts that cache a setting. */
  private readonly watchers: ((name: string) => void)[] = [];

  constructor() {
    for (const [k, v] of [...ALL_DEFAULTS, ...HIDDEN_DEFAULTS]) if (!(k in ALIASES)) this.values.set(k, v);
    this.values.set('dir', process.cwd());
    const spec = (check: Check, ...names: string[]): void => {
      for (const n of names) this.specs.set(n, { check, ignored: false });
    };
    const ignored = (check: Check, ...names: string[]): void => {
      for (const n of names) this.specs.set(n, { check, ignored: true });
    };
    spec(int(0, 65535), 'port');
    spec(int(0, INT_MAX), 'tcp-backlog');
    spec(bind, 'bind');
    spec(optionalPort, 'inspect-port');
    spec(str, 'inspect-bind');
    spec(int(1, INT_MAX), 'databases');
    spec(bool, 'daemonize', 'always-show-logo');
    spec(str, 'pidfile', 'logfile');
    spec(procTitleTemplate, 'proc-title-template');
    spec(bool, 'set-proc-title');
    spec(PROTECTION, 'enable-debug-command', 'enable-protected-configs');
    spec(directory, 'dir');
    spec(str, 'dbfilename', 'requirepass', 'masterauth', 'masteruser', 'replica-announce-ip', 'aclfile', 'bind-source-addr');
    spec(enumOf('allchannels', 'resetchannels'), 'acl-pubsub-default');
    spec(int(0, LONG_MAX), 'acllog-max-len');
    spec(enumOf('debug', 'verbose', 'notice', 'warning'), 'loglevel');
    spec(save, 'save');
    spec(int(0, INT_MAX), 'shutdown-timeout');
    spec(shutdownOnSignal, 'shutdown-on-sigint', 'shutdown-on-sigterm');
    spec(replicaof, 'replicaof');
    spec(bool, 'crash-log-enabled');
    spec(bool, 'appendonly', 'lazyfree-lazy-eviction', 'lazyfree-lazy-expire', 'replica-ignore-maxmemory',
      'rdbcompression', 'rdbchecksum', 'repl-diskless-sync', 'replica-read-only',
      'replica-serve-stale-data', 'repl-disable-tcp-nodelay', 'protected-mode', 'stop-writes-on-bgsave-error',
      'activerehashing');
    spec(enumOf('disabled', 'on-empty-db', 'swapdb'), 'repl-diskless-load');
    spec(hz, 'hz');
    spec(int(0, INT_MAX), 'timeout', 'tcp-keepalive', 'repl-diskless-sync-delay', 'min-replicas-to-write',
      'min-replicas-max-lag', 'repl-backlog-ttl', 'replica-announce-port', 'replica-priority', 'slowlog-max-len');
    spec(int(0, LONG_MAX), 'hash-max-listpack-entries', 'set-max-intset-entries', 'zset-max-listpack-entries');
    spec(int(1, INT_MAX), 'repl-timeout', 'repl-ping-replica-period', 'maxclients', 'maxmemory-samples');
    spec(int(0, 100), 'maxmemory-eviction-tenacity');
    spec(int(1, 10), 'active-expire-effort');
    spec(int(0, INT_MAX), 'lfu-log-factor', 'lfu-decay-time');
    spec(memory(0, LONG_MAX), 'maxmemory');
    spec(memoryOrPercent, 'maxmemory-clients');
    spec(enumOf(...MAXMEMORY_POLICIES), 'maxmemory-policy');
    spec(int(0, LONG_MAX), 'busy-reply-threshold');
    spec(memory(0, LONG_MAX), 'hash-max-listpack-value', 'zset-max-listpack-value', 'stream-node-max-bytes');
    spec(int(0, LONG_MAX), 'stream-node-max-entries');
    spec(int(0, LONG_MAX), 'tracking-table-max-keys');
    spec(int(-1, LONG_MAX), 'slowlog-log-slower-than');
    spec(int(0, LONG_MAX), 'latency-monitor-threshold');
    spec(bool, 'latency-tracking');
    spec(percentiles, 'latency-tracking-info-percentiles');
    spec(memory(1, LONG_MAX), 'repl-backlog-size');
    spec(memory(1024 * 1024, LONG_MAX), 'proto-max-bulk-len', 'client-query-buffer-limit');
    spec(outputLimits(() => this.get('client-output-buffer-limit')!), 'client-output-buffer-limit');
    spec(notifyEvents, 'notify-keyspace-events');
    spec(int(INT_MIN, INT_MAX), 'rdb-key-save-delay', 'key-load-delay');
    spec(int(1024, INT_MAX), 'loading-process-events-interval-bytes');
    spec(bool, 'use-exit-on-panic');
    spec(oomScoreAdj, 'oom-score-adj');
    spec(oomScoreAdjValues, 'oom-score-adj-values');
    spec(bool, 'replica-announced', 'lazyfree-lazy-server-del', 'lazyfree-lazy-user-del');
    spec(str, 'unixsocket');
    spec(octal(0, 0o777), 'unixsocketperm');
    spec(int(0, INT_MAX), 'repl-diskless-sync-max-replicas');
    spec(enumOf('ignore', 'panic', 'panic-on-replicas'), 'propagation-error-behavior');
    spec(memory(0, LONG_MAX), 'hll-sparse-max-bytes');
    spec(PROTECTION, 'enable-module-command');
    // The rest of Redis 7.0's typed directives (its strings take any value).
    ignored(bool, 'activedefrag', 'aof-disable-auto-gc', 'aof-load-truncated', 'aof-rewrite-incremental-fsync',
      'aof-timestamp-enabled', 'aof-use-rdb-preamble', 'cluster-allow-pubsubshard-when-down', 'cluster-allow-reads-when-down',
      'cluster-allow-replica-migration', 'cluster-enabled', 'cluster-replica-no-failover', 'cluster-require-full-coverage',
      'crash-memcheck-enabled', 'disable-thp', 'dynamic-hz', 'io-threads-do-reads', 'jemalloc-bg-thread',
      'lazyfree-lazy-user-flush', 'no-appendfsync-on-rewrite', 'rdb-del-sync-files', 'rdb-save-incremental-fsync',
      'replica-ignore-disk-write-errors', 'replica-lazy-flush', 'syslog-enabled', 'tls-cluster', 'tls-prefer-server-ciphers',
      'tls-replication', 'tls-session-caching');
    ignored(int(1, 99), 'active-defrag-cycle-min', 'active-defrag-cycle-max');
    ignored(int(0, 1000), 'active-defrag-threshold-lower', 'active-defrag-threshold-upper');
    ignored(memory(1, LONG_MAX), 'active-defrag-ignore-bytes');
    ignored(int(1, LONG_MAX), 'active-defrag-max-scan-fields');
    ignored(memory(0, LONG_MAX), 'auto-aof-rewrite-min-size');
    ignored(memory(0, ULONG_LONG_MAX), 'cluster-link-sendbuf-limit');
    ignored(int(0, INT_MAX), 'auto-aof-rewrite-percentage', 'cluster-migration-barrier', 'cluster-replica-validity-factor',
      'list-compress-depth', 'tls-session-cache-size', 'tls-session-cache-timeout', 'watchdog-period');
    ignored(int(0, 65535), 'cluster-announce-bus-port', 'cluster-announce-port', 'cluster-announce-tls-port', 'cluster-port', 'tls-port');
    ignored(int(0, LONG_MAX), 'cluster-node-timeout');
    ignored(int(1, 128), 'io-threads');
    ignored(int(INT_MIN, INT_MAX), 'list-max-listpack-size');
    ignored(int(0, UINT_MAX), 'socket-mark-id');
    ignored(enumOf('everysec', 'always', 'no'), 'appendfsync');
    ignored(enumOf('ip', 'hostname', 'unknown-endpoint'), 'cluster-preferred-endpoint-type');
    ignored(enumOf('no', 'yes', 'clients'), 'sanitize-dump-payload');
    ignored(enumOf('upstart', 'systemd', 'auto', 'no'), 'supervised');
    ignored(enumOf('user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'), 'syslog-facility');
    ignored(enumOf('no', 'yes', 'optional'), 'tls-auth-clients');
  }

  /** The directive a name means (aliases resolved, lower-cased), or null if Redis 7.0 has none. */
  canonical(name: string): string | null {
    const n = name.toLowerCase();
    const c = ALIASES[n] ?? n;
    return this.values.has(c) ? c : null;
  }

  isFileOnly(name: string): boolean {
    return FILE_ONLY.has(name.toLowerCase());
  }

  /** CONFIG SET may not change it. */
  isImmutable(name: string): boolean {
    return IMMUTABLE.has(name);
  }

  get(name: string): string | undefined {
    return this.values.get(ALIASES[name] ?? name);
  }

  getInt(name: string): number {
    return Number(this.get(name));
  }

  getBool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  private reportIgnored(name: string): void {
    if (this.reported.has(name)) return;
    this.reported.add(name);
    this.onIgnored(name);
  }

  /**
   * Sets a directive from a config line or CONFIG SET. Throws ConfigError with Redis's
   * reason; atRuntime refuses immutable directives as CONFIG SET does.
   */
  set(name: string, args: string[], atRuntime: boolean): void {
    const c = this.canonical(name);
    if (c === null) throw new ConfigError('Bad directive or wrong number of arguments');
    if (atRuntime && IMMUTABLE.has(c)) throw new ConfigError("can't set immutable config");
    const spec = this.specs.get(c);
    if (spec === undefined || spec.ignored) {
      // Checked as Redis checks it where Redis types it (a size kept in bytes, as CONFIG GET shows it).
      const value = spec === undefined ? args.join(' ') : spec.check(args);
      this.reportIgnored(c);
      this.values.set(c, value);
      return;
    }
    const value = spec.check(args);
    if (DEFAULT_ONLY.has(c) && value !== DEFAULT_ONLY.get(c)) this.reportIgnored(c);
    this.values.set(c, value);
    this.apply(c);
    this.onChange(c);
    for (const w of this.watchers) w(c);
  }

  /** A directive's value parsed once per change, for a path that reads it per command or reply. */
  cached<T>(name: string, parse: (value: string) => T): CachedDirective<T> {
    return new CachedDirective(this, name, parse);
  }

  /** Calls fn with each directive's canonical name after it changes. */
  watch(fn: (name: string) => void): void {
    this.watchers.push(fn);
  }

  /**
   * A file directive's path (aclfile, pidfile, logfile, unixsocket) as Redis opens it: after
   * its chdir to dir, a relative one is under dir. '' stays ''.
   */
  path(name: string): string {
    const v = this.get(name)!;
    return v === '' ? v : resolve(this.get('dir')!, v);
  }

  /** CONFIG GET: name/value pairs for every directive (aliases too) matching a glob. */
  matching(pattern: string, matches: (pattern: string, name: string) => boolean): [string, string][] {
    const out: [string, string][] = [];
    for (const [k] of ALL_DEFAULTS) {
      if (matches(pattern, k)) out.push([k, this.get(k)!]);
    }
    for (const [k] of HIDDEN_DEFAULTS) if (pattern.toLowerCase() === k) out.push([k, this.get(k)!]);
    return out;
  }

  /** Everything, canonical names only: for CONFIG REWRITE. */
  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }

  /** True when the value differs from Redis's built-in default. */
  isDefault(name: string): boolean {
    const d = ALL_DEFAULTS.find(([k]) => k === name) ?? HIDDEN_DEFAULTS.find(([k]) => k === name);
    return d !== undefined && d[1] === this.values.get(name);
  }

  private apply(name: string): void {
    const v = Number(this.values.get(name));
    switch (name) {
      case 'hash-max-listpack-entries': encodingLimits.hashMaxListpackEntries = v; break;
      case 'hash-max-listpack-value': encodingLimits.hashMaxListpackValue = v; break;
      case 'set-max-intset-entries': encodingLimits.setMaxIntsetEntries = v; break;
      case 'zset-max-listpack-entries': encodingLimits.zsetMaxListpackEntries = v; break;
      case 'zset-max-listpack-value': encodingLimits.zsetMaxListpackValue = v; break;
      case 'stream-node-max-bytes': streamLimits.nodeMaxBytes = v; break;
      case 'stream-node-max-entries': streamLimits.nodeMaxEntries = v; break;
    }
  }
}

/**
 * A directive read on every command or reply (notify-keyspace-events on each write,
 * client-output-buffer-limit on each flush): parsed again only after it changed (the
 * config's watchers say so), so that reading it costs a boolean test rather than a lookup
 * by name and a compare or parse.
 */
export class CachedDirective<T> {
  private stale = true;
  private parsed: T | undefined;

  constructor(private readonly config: Config, private readonly name: string, private readonly parse: (value: string) => T) {
    const canonical = ALIASES[name] ?? name;
    config.watch((changed) => {
      if (changed === canonical) this.stale = true;
    });
  }

  get value(): T {
    if (this.stale) {
      this.parsed = this.parse(this.config.get(this.name)!);
      this.stale = false;
    }
    return this.parsed as T;
  }
}
