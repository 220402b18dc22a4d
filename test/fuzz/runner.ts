// The differential fuzzer: seeded episodes of random commands sent, pipelined in batches, to
// redstate (its own process, from dist/) and redis-server 7.0 side by side; replies compared
// (compare.ts), DEBUG DIGEST every DIGEST_EVERY commands, every batch answered within a
// deadline. A mismatch, a hang or a crash is shrunk to the shortest sequence that still fails
// the same way and reported with its seed. With replicas, each master also has a replica of
// the other kind (a redis-server replica of redstate, a redstate replica of redis-server), and
// at every DEBUG DIGEST each replica, once its offset reaches its master's, must hold its master's
// dataset: what redstate propagates and how it applies Redis's stream, both checked by digest.
// No vitest here: fuzz.test.ts and run.ts drive it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliArgv } from '../helpers/bin.js';
import { encodeCommand } from '../helpers/resp-client.js';
import { FAMILIES, type Entry, type Kind } from './commands.js';
import { differs, ReplyReader, skeletonsDiffer, type Reply } from './compare.js';
import { Gen, type Arg } from './gen.js';

const DIGEST_EVERY = 25;
const BATCH = 200;
const EPISODE = 500;
/** Most candidate runs a shrink makes, and the most time it takes. */
const SHRINK_RUNS = 400;
const SHRINK_MS = 60_000;

/** The encoding thresholds each episode draws: Redis's defaults or small ones that make conversions frequent. */
const THRESHOLDS: Array<[string, string[]]> = [
  ['set-max-intset-entries', ['512', '4']],
  ['hash-max-listpack-entries', ['128', '4']],
  ['hash-max-listpack-value', ['64', '8']],
  ['zset-max-listpack-entries', ['128', '4']],
  ['zset-max-listpack-value', ['64', '8']],
];

export interface Failure {
  /** replica: a replica's dataset is not its master's (or it did not catch up). */
  kind: 'mismatch' | 'hang' | 'crash' | 'replica';
  /** Index of the failing command in the sequence. */
  index: number;
  command: Arg[];
  detail: string;
}

export interface Report {
  seed: number;
  episode: number;
  failure: Failure;
  /** The episode's set-up commands, then the shrunk sequence. */
  setup: Arg[][];
  shrunk: Arg[][];
}

const ENTRIES: Array<[string, Entry]> = FAMILIES.flatMap((f) => Object.entries(f));
const TOTAL_WEIGHT = ENTRIES.reduce((s, [, x]) => s + x.weight, 0);
const BY_NAME = new Map(ENTRIES);

/** The command an entry sends: its name up to a '/' (zadd/lex sends ZADD). */
export const commandOf = (entryName: string): string => entryName.split('/')[0]!;

function pickEntry(g: Gen): [string, Entry] {
  let w = g.rnd() * TOTAL_WEIGHT;
  for (const x of ENTRIES) if ((w -= x[1].weight) < 0) return x;
  return ENTRIES[ENTRIES.length - 1]!;
}

/** Where a command's relative expire time is: its argument index, or after EX/PX. */
const RELATIVE_AT: Record<string, number> = { expire: 2, pexpire: 2, setex: 2, psetex: 2 };

/**
 * Whether a command (a mutated one) sets an expiry that could lapse during a run: a relative
 * time under 100 s. Whether a key is still there then depends on each server's timing.
 */
function expiresSoon(args: Arg[]): boolean {
  const name = args[0]!.toLowerCase();
  const soon = (s: string | undefined, ms: boolean): boolean => s !== undefined && /^\d+$/.test(s) && Number(s) > 0 && Number(s) < (ms ? 1e5 : 100);
  const at = RELATIVE_AT[name];
  if (at !== undefined) return soon(args[at], name.startsWith('p'));
  return args.some((a, i) => i > 1 && /^(ex|px)$/i.test(a) && soon(args[i + 1], /^px$/i.test(a)));
}

/**
 * Whether a (mutated) XADD may take its ID from the clock: an argument '*'. Each server reads
 * its own clock, a millisecond apart now and then (seed 406).
 */
const clockId = (args: Arg[]): boolean => args[0]!.toLowerCase() === 'xadd' && args.includes('*');

function pickEnd(g: Gen): [string, Entry] {
  const name = g.chance(0.85) ? 'exec' : 'discard';
  return [name, BY_NAME.get(name)!];
}

/** One episode's set-up (run on both before it, not compared) and its commands. */
export function makeEpisode(seed: number, episode: number, length = EPISODE): { setup: Arg[][]; cmds: Arg[][] } {
  const g = new Gen(Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(episode + 1, 0x85ebca77));
  const small = g.chance(0.5);
  // Active expiry off: a key set with a past time stays (logically expired, in DEBUG DIGEST)
  // until a command touches it, not until a timer of each server's own happens to run.
  // proto-max-bulk-len a little under V8's longest string (536870888): redis-server grows a
  // string up to the limit and a BITFIELD field past it, which redstate can not hold and refuses.
  const setup: Arg[][] = [['FLUSHALL'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['CONFIG', 'SET', 'proto-max-bulk-len', '536870880'],
    ...THRESHOLDS.map(([name, v]) => ['CONFIG', 'SET', name, v[small && g.chance(0.8) ? 1 : 0]!])];
  const cmds: Arg[][] = [];
  let inMulti = false;
  while (cmds.length < length) {
    if (cmds.length % DIGEST_EVERY === DIGEST_EVERY - 1) {
      cmds.push(['DEBUG', 'DIGEST']);
      continue;
    }
    // A transaction holds a few commands, then ends (else most of an episode would only be queued).
    const [entryName, entry] = inMulti && g.chance(0.15) ? pickEnd(g) : pickEntry(g);
    if (inMulti && entry.outsideMulti) continue;
    const name = commandOf(entryName);
    let args = [name, ...entry.gen(g)];
    if (g.chance(0.05) && !entry.exactly) args = g.mutate(args);
    if (expiresSoon(args) || clockId(args)) continue;
    if (g.chance(0.05)) args[0] = name.toUpperCase();
    if (name === 'multi') inMulti = true;
    if (name === 'exec' || name === 'discard') inMulti = false;
    if (entry.before) cmds.push(entry.before);
    cmds.push(args);
    if (entry.then) cmds.push(entry.then);
  }
  return { setup, cmds };
}

/** Which commands run while a MULTI is open (a MULTI opens it, EXEC or DISCARD closes it, whatever they reply). */
function multiFlags(cmds: Arg[][]): boolean[] {
  let open = false;
  return cmds.map((c) => {
    const name = c[0]!.toLowerCase();
    const was = open;
    if (name === 'multi') open = true;
    else if (name === 'exec' || name === 'discard') open = false;
    return was;
  });
}

/** The kinds that compare values, whose type skeletons must match too. */
const BY_VALUE = new Set<Kind>(['exact', 'unordered', 'pairs', 'random', 'timing', 'ttl']);

const kindOf = (cmd: Arg[]): Kind => {
  const entry = BY_NAME.get(cmd[0]!.toLowerCase());
  if (entry === undefined) return 'exact';
  return typeof entry.compare === 'function' ? entry.compare(cmd.slice(1)) : entry.compare;
};

/** A command as redis-cli takes it: words with non-printable bytes escaped inside quotes. */
export function show(cmd: Arg[]): string {
  return cmd.map((a) => (/^[\x21-\x7e]+$/.test(a) && !/["'\\]/.test(a) ? a
    : `"${a.replace(/[\x00-\x1f\x7f-\xff"\\]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}"`)).join(' ');
}

const short = (r: Reply | undefined): string => {
  const s = JSON.stringify(r) ?? 'nothing';
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
};

class Conn {
  private reader = new ReplyReader();
  private wake: (() => void) | null = null;
  closed = false;
  /** The type skeletons of the replies the last take() returned. */
  skeletons: string[] = [];

  private constructor(private socket: Socket) {
    socket.on('data', (b: Buffer) => {
      this.reader.push(b);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<Conn> {
    return new Promise((res, rej) => {
      const s = connect({ port, host: '127.0.0.1' }, () => {
        s.off('error', rej);
        s.setNoDelay(true);
        res(new Conn(s));
      });
      s.once('error', rej);
    });
  }

  send(cmds: Arg[][]): void {
    this.socket.write(Buffer.concat(cmds.map((c) => encodeCommand(c))));
  }

  /** The next n replies, or what kept them from coming by the deadline. */
  async take(n: number, deadline: number): Promise<Reply[] | 'hang' | 'closed' | 'broken'> {
    while (this.reader.replies.length < n) {
      if (this.reader.broken !== null) return 'broken';
      if (this.closed) return 'closed';
      const left = deadline - Date.now();
      if (left <= 0) return 'hang';
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wake = null;
    }
    this.skeletons = this.reader.skeletons.splice(0, n);
    return this.reader.replies.splice(0, n);
  }

  /** The bytes that were not RESP, if a server sent such. */
  broken(): string | null {
    return this.reader.broken;
  }

  /** Replies read and not yet taken: where a batch stopped being answered. */
  available(): number {
    return this.reader.replies.length;
  }

  close(): void {
    this.socket.destroy();
  }
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** redis-server or redstate (dist/cli.js) as a process in its own temp dir. */
class Peer {
  proc: ChildProcess | null = null;
  port = 0;
  private dir = '';
  private out = '';

  constructor(readonly name: 'redis' | 'redstate', private readonly extra: string[] = []) {}

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), `fuzz-${this.name}-`));
    this.port = await freePort();
    const common = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'no',
      '--enable-debug-command', 'local', '--loglevel', 'warning', ...this.extra];
    this.out = '';
    this.proc = this.name === 'redis'
      ? spawn('redis-server', common, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, cliArgv(common), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (b: Buffer) => (this.out = (this.out + b.toString()).slice(-4000)));
    this.proc.stderr!.on('data', (b: Buffer) => (this.out = (this.out + b.toString()).slice(-4000)));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`${this.name} exited at start:\n${this.out}`);
      try {
        const c = await Conn.open(this.port);
        c.send([['PING']]);
        const r = await c.take(1, Date.now() + 2000);
        c.close();
        if (Array.isArray(r) && r[0] === '+PONG') return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} did not answer PING:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** What the process last printed (a crash's stack). */
  output(): string {
    return this.out;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p !== null && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await exited;
    }
    this.proc = null;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

export interface FuzzOptions {
  seed: number;
  /** Stop after this many commands (per seed)... */
  commands?: number;
  /** ...or when this time is up. */
  until?: number;
  /** Deadline for one batch's replies. */
  batchDeadlineMs?: number;
  log?: (line: string) => void;
  /** Every episode's connections speak RESP3 (HELLO 3 first), and reply types are compared too. */
  resp3?: boolean;
}

/** A master and its replica, of the other kind. */
interface ReplicaPair {
  master: Peer;
  replica: Peer;
  /** The master port the replica was last made a replica of and found in sync with (0: none). */
  attachedTo: number;
  /** Connections for INFO, WAIT and DEBUG DIGEST, outside the fuzzed ones. */
  toMaster: Conn | null;
  toReplica: Conn | null;
}

const isDigest = (cmd: Arg[] | undefined): boolean => cmd !== undefined && cmd.length === 2 && cmd[0]!.toLowerCase() === 'debug' && cmd[1]!.toLowerCase() === 'digest';

const isConfigSet = (cmd: Arg[]): boolean => cmd[0]!.toLowerCase() === 'config' && cmd[1]?.toLowerCase() === 'set';

/**
 * Not sent with replicas: what Redis does not propagate (DEBUG POPULATE), and CONFIG SET, which
 * would leave a replica converting encodings at other sizes than its master (Redis's own
 * conversions lose a -0 score on some paths and not on others: seed 6). The replicas get the
 * episode's set-up CONFIG SETs instead.
 */
const unreplicated = (cmd: Arg[]): boolean => isConfigSet(cmd) || (cmd[0]!.toLowerCase() === 'debug' && cmd[1]?.toLowerCase() === 'populate');

/**
 * Every key's expiry time (-1: none) as db, key, time triples: DEBUG DIGEST says only whether
 * a key has one, and a replica must hold the very millisecond its master does (relative times
 * go out as absolute). KEYS leaves logically expired keys out on both sides without deleting them.
 */
const EXPIRY_TIMES = `local out = {}
for db = 0, 15 do
  redis.call('SELECT', db)
  for _, k in ipairs(redis.call('KEYS', '*')) do
    out[#out + 1] = db
    out[#out + 1] = k
    out[#out + 1] = redis.call('PEXPIRETIME', k)
  end
end
return out`;

/**
 * The keys both lists hold whose expiry times differ. Which keys each holds is DEBUG DIGEST's
 * to judge: where Redis did not propagate a change (seed 706's BITFIELD), a replica lacks a key.
 */
function expiryDifferences(master: Reply, replica: Reply): string[] {
  const times = (r: Reply): Map<string, Reply> => {
    const m = new Map<string, Reply>();
    const a = Array.isArray(r) ? r : [];
    for (let i = 0; i + 2 < a.length; i += 3) m.set(`${String(a[i])} ${String(a[i + 1])}`, a[i + 2]!);
    return m;
  };
  const onMaster = times(master);
  return [...times(replica)].filter(([k, t]) => onMaster.has(k) && onMaster.get(k) !== t)
    .map(([k, t]) => `${k}: replica ${String(t)}, master ${String(onMaster.get(k))}`);
}

const alive = (p: Peer): boolean => p.proc !== null && p.proc.exitCode === null && p.proc.signalCode === null;

export interface FuzzResult {
  seed: number;
  episodes: number;
  commands: number;
  reports: Report[];
}

/** Both servers, started once for a run and restarted after a crash or a hang. */
export class Fuzzer {
  readonly redis: Peer;
  readonly redstate: Peer;
  /** A batch that grows a string to 512 MB and digests it takes seconds on a loaded machine (seed 543). */
  batchDeadlineMs = 30_000;
  private readonly pairs: ReplicaPair[];

  constructor(opts: { replicas?: boolean } = {}) {
    // A master keeps its replica however far behind it is (a fuzzed string may be 512 MB), and
    // syncs one at once; replicas log their links.
    const masterArgs = opts.replicas ? ['--client-output-buffer-limit', 'replica 0 0 0', '--repl-diskless-sync-delay', '0'] : [];
    this.redis = new Peer('redis', masterArgs);
    this.redstate = new Peer('redstate', masterArgs);
    const pair = (master: Peer, replica: Peer): ReplicaPair => ({ master, replica, attachedTo: 0, toMaster: null, toReplica: null });
    const replicaArgs = ['--loglevel', 'notice'];
    this.pairs = opts.replicas ? [pair(this.redstate, new Peer('redis', replicaArgs)), pair(this.redis, new Peer('redstate', replicaArgs))] : [];
  }

  async start(): Promise<void> {
    // A runner that dies (its stdout piped to a closed head) takes its servers along.
    process.once('exit', this.killAll);
    await Promise.all(this.peers().map((p) => p.start()));
  }

  private peers(): Peer[] {
    return [this.redis, this.redstate, ...this.pairs.map((p) => p.replica)];
  }

  private readonly killAll = (): void => {
    for (const p of this.peers()) p.proc?.kill('SIGKILL');
  };

  async stop(): Promise<void> {
    process.off('exit', this.killAll);
    for (const p of this.pairs) this.detach(p);
    await Promise.all(this.peers().map((p) => p.stop()));
  }

  private detach(p: ReplicaPair): void {
    p.toMaster?.close();
    p.toReplica?.close();
    p.toMaster = p.toReplica = null;
    p.attachedTo = 0;
  }

  /**
   * Makes each replica (restarted if it died) a replica of its master's current port, unless it
   * already is, and waits until WAIT counts it; a failure if that does not happen.
   */
  private async attachReplicas(): Promise<Failure | null> {
    for (const p of this.pairs) {
      if (p.attachedTo === p.master.port && alive(p.replica) && !p.toMaster!.closed && !p.toReplica!.closed) continue;
      this.detach(p);
      if (!alive(p.replica)) await p.replica.restart();
      [p.toMaster, p.toReplica] = await Promise.all([Conn.open(p.master.port), Conn.open(p.replica.port)]);
      p.toReplica.send([['REPLICAOF', '127.0.0.1', String(p.master.port)]]);
      const deadline = Date.now() + this.batchDeadlineMs;
      const r = await p.toReplica.take(1, deadline);
      for (let acked = false; !acked;) {
        p.toMaster.send([['WAIT', '1', '100']]);
        const w = await p.toMaster.take(1, deadline);
        if (!Array.isArray(w) || Date.now() > deadline) {
          return { kind: 'replica', index: 0, command: ['REPLICAOF'], detail: `${this.replicaName(p)} did not sync (REPLICAOF: ${short(Array.isArray(r) ? r[0] : r)}):\n${p.replica.output()}` };
        }
        acked = w[0] === ':1';
      }
      p.attachedTo = p.master.port;
    }
    return null;
  }

  private replicaName(p: ReplicaPair): string {
    return `the ${p.replica.name} replica of ${p.master.name}`;
  }

  /**
   * Whether the replica has processed all its master sent by the deadline: its offset reaches
   * the master's. (Not WAIT: that waits for the offset of its own client's last write.)
   */
  private async caughtUp(p: ReplicaPair, deadline: number): Promise<true | string> {
    const offset = async (conn: Conn, field: string): Promise<number | string> => {
      conn.send([['INFO', 'replication']]);
      const r = await conn.take(1, deadline);
      if (!Array.isArray(r)) return `no INFO reply (${r})`;
      const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(String(r[0]));
      return m === null ? `no ${field} in INFO` : Number(m[1]);
    };
    const target = await offset(p.toMaster!, 'master_repl_offset');
    if (typeof target === 'string') return `${p.master.name}: ${target}`;
    for (;;) {
      const at = await offset(p.toReplica!, 'slave_repl_offset');
      if (typeof at === 'number' && at >= target) return true;
      if (Date.now() > deadline) return `master offset ${target}, replica ${at}`;
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /**
   * Each replica, once its offset reaches its master's, holds its master's dataset: the
   * divergence, or null. Where Redis itself changes a master's data without propagating it
   * (a BITFIELD whose writes all failed still creates its key: seed 706), both replicas miss
   * the same change: replicas that agree with each other are what Redis does too. Then each
   * key a replica and its master both hold must have the same expiry time on both, or differ
   * alike under both masters (seed 24402: that BITFIELD key, renamed over a key with an
   * expiry on the masters alone).
   */
  private async replicasAgree(): Promise<string | null> {
    const digests = await Promise.all(this.pairs.map(async (p): Promise<{ master: Reply; replica: Reply; differ: string[] } | string> => {
      const deadline = Date.now() + this.batchDeadlineMs;
      const caught = await this.caughtUp(p, deadline);
      if (caught !== true) {
        return `${this.replicaName(p)} did not reach its master's offset within ${this.batchDeadlineMs} ms (${caught})${alive(p.replica) ? '' : ', and exited'}:\n${p.replica.output()}`;
      }
      const check = [['DEBUG', 'DIGEST'], ['EVAL_RO', EXPIRY_TIMES, '0']];
      p.toMaster!.send(check);
      p.toReplica!.send(check);
      const [m, r] = await Promise.all([p.toMaster!.take(2, deadline), p.toReplica!.take(2, deadline)]);
      if (!Array.isArray(m) || !Array.isArray(r)) return `${this.replicaName(p)} or its master did not answer DEBUG DIGEST and the expiry times`;
      return { master: m[0]!, replica: r[0]!, differ: expiryDifferences(m[1]!, r[1]!) };
    }));
    let found = digests.find((d): d is string => typeof d === 'string') ?? null;
    if (found === null) {
      // The masters' digests were compared already: the replicas' decide.
      const held = digests as Array<{ master: Reply; replica: Reply; differ: string[] }>;
      const differs = held.map((d) => d.differ.join('; '));
      const odd = differs.findIndex((d) => d !== '');
      if (odd >= 0 && differs.some((d) => d !== differs[0])) {
        found = `${this.replicaName(this.pairs[odd]!)} holds other expiry times than its master: ${held[odd]!.differ.slice(0, 5).join('; ')}`;
      } else if (held.some((d) => d.replica !== held[0]!.replica)) {
        found = this.pairs.map((p, i) => `${this.replicaName(p)} holds digest ${short(held[i]!.replica)}, its master ${short(held[i]!.master)}`).join('; ');
      }
    }
    // A failed replica starts the next sequence afresh.
    if (found !== null) for (const p of this.pairs) this.detach(p);
    return found;
  }

  /** Runs one sequence on fresh connections after its set-up; the first failure, if any. */
  async runSequence(setup: Arg[][], cmds: Arg[][]): Promise<Failure | null> {
    for (const p of [this.redis, this.redstate]) if (!alive(p)) await p.restart();
    const unsynced = await this.attachReplicas();
    if (unsynced !== null) return unsynced;
    const configs = setup.filter(isConfigSet);
    for (const p of this.pairs) {
      p.toReplica!.send(configs);
      const r = await p.toReplica!.take(configs.length, Date.now() + this.batchDeadlineMs);
      if (!Array.isArray(r)) return { kind: 'replica', index: 0, command: ['CONFIG', 'SET'], detail: `${this.replicaName(p)} did not answer CONFIG SET (${r})` };
    }
    const [r, s] = await Promise.all([Conn.open(this.redis.port), Conn.open(this.redstate.port)]);
    try {
      return await this.compareRun(r, s, setup, cmds);
    } finally {
      r.close();
      s.close();
    }
  }

  private async compareRun(r: Conn, s: Conn, setup: Arg[][], cmds: Arg[][]): Promise<Failure | null> {
    const inMulti = multiFlags(cmds);
    let queue: Arg[][] | null = null;
    // A server stuck in one command of a batch flushes none of the batch's replies after it:
    // the whole batch stays in the sequence (index = its last command). Both servers restart.
    const lost = async (first: number, last: number, what: 'hang' | 'closed' | 'broken', who: Peer, conn: Conn): Promise<Failure> => {
      const dead = !alive(who);
      const at = `first unanswered: ${show(cmds[first] ?? [])}`;
      const failure: Failure = what === 'hang'
        ? { kind: 'hang', index: last, command: cmds[last] ?? [], detail: `${who.name} gave no reply within ${this.batchDeadlineMs} ms (${at})` }
        : what === 'broken'
          ? { kind: 'crash', index: last, command: cmds[last] ?? [], detail: `${who.name} sent bytes that are not RESP (${at}): ${conn.broken()}` }
          : { kind: 'crash', index: last, command: cmds[last] ?? [], detail: `${who.name} closed the connection (${at})${dead ? ` and exited:\n${who.output()}` : ''}` };
      await Promise.all([this.redis.restart(), this.redstate.restart()]);
      return failure;
    };
    /**
     * Sends a batch to one or both, returns both servers' replies (and their type skeletons) or
     * the failure; null when both wait in the same command for what never comes (a mutated
     * argument's XREAD BLOCK 0): they agree, and the episode ends there on restarted servers
     * (the batch's replies before that command go unchecked).
     */
    const exchange = async (first: number, toRedis: Arg[][], toRedstate: Arg[][]): Promise<[Reply[], Reply[], string[], string[]] | Failure | null> => {
      const deadline = Date.now() + this.batchDeadlineMs;
      if (toRedis.length) r.send(toRedis);
      if (toRedstate.length) s.send(toRedstate);
      const [want, got] = await Promise.all([r.take(toRedis.length, deadline), s.take(toRedstate.length, deadline)]);
      if (want === 'hang' && got === 'hang' && r.available() === s.available()) {
        await Promise.all([this.redis.restart(), this.redstate.restart()]);
        return null;
      }
      const last = first + Math.max(toRedis.length, toRedstate.length) - 1;
      if (!Array.isArray(got)) return lost(first + s.available(), last, got, this.redstate, s);
      if (!Array.isArray(want)) return lost(first + r.available(), last, want, this.redis, r);
      return [want, got, r.skeletons, s.skeletons];
    };
    const setupReplies = await exchange(0, setup, setup);
    if (!Array.isArray(setupReplies)) return setupReplies;

    let i = 0;
    while (i < cmds.length) {
      const cmd = cmds[i]!;
      if (cmd[0]!.toLowerCase() === 'spop' && !inMulti[i]) {
        // redstate pops at random; redis-server removes what redstate popped.
        const x = await exchange(i, [], [cmd]);
        if (!Array.isArray(x)) return x;
        const popped = x[1][0]!;
        const members = Array.isArray(popped) ? popped : typeof popped === 'string' && popped.startsWith('$') ? [popped] : [];
        if (members.length === 0) {
          const y = await exchange(i, [cmd], []);
          if (!Array.isArray(y)) return y;
          const d = differs('exact', cmd, y[0][0]!, popped);
          if (d) return { kind: 'mismatch', index: i, command: cmd, detail: `${d}: redis ${short(y[0][0])}, redstate ${short(popped)}` };
        } else {
          const key = cmd[1]!;
          const words = members.map((m) => (m as string).slice(1));
          const y = await exchange(i, [['SREM', key, ...words], ['SMEMBERS', key], ['PEXPIRETIME', key]], []);
          if (!Array.isArray(y)) return y;
          if (y[0][0] !== `:${words.length}` || new Set(words).size !== words.length) {
            return { kind: 'mismatch', index: i, command: cmd, detail: `redstate popped ${short(popped)}, of which redis-server's SREM removed ${short(y[0][0])}` };
          }
          // When few stay (SPOP's third case: 5 × those left <= those popped), SPOP moves them
          // into a new set, an intset if they are all integers, where SREM keeps the encoding:
          // redis-server's set is made again from them as SADD makes one, with its expiry.
          const left = (y[0][1] as Reply[]).map((m) => (m as string).slice(1));
          const expireAt = Number((y[0][2] as string).slice(1));
          if (left.length > 0 && left.length * 5 <= words.length) {
            const z = await exchange(i, [['DEL', key], ['SADD', key, ...left], ...(expireAt > 0 ? [['PEXPIREAT', key, String(expireAt)]] : [])], []);
            if (!Array.isArray(z)) return z;
          }
        }
        i++;
        continue;
      }
      let end = i + 1;
      // With replicas, a batch ends at each DEBUG DIGEST, where the replicas are checked.
      while (end < cmds.length && end - i < BATCH && !(cmds[end]![0]!.toLowerCase() === 'spop' && !inMulti[end]) &&
        !(this.pairs.length > 0 && isDigest(cmds[end - 1]))) end++;
      const batch = cmds.slice(i, end);
      const x = await exchange(i, batch, batch);
      if (!Array.isArray(x)) return x;
      const [want, got, wantTypes, gotTypes] = x;
      for (let j = 0; j < batch.length; j++) {
        const c = batch[j]!;
        const name = c[0]!.toLowerCase();
        const w = want[j]!;
        const g = got[j]!;
        let d: string | null;
        if (queue !== null && !['exec', 'discard', 'multi', 'watch'].includes(name)) {
          d = differs('exact', c, w, g);
          if (w === '+QUEUED') queue.push(c);
        } else if (name === 'exec' && queue !== null && Array.isArray(w) && Array.isArray(g) && w.length === g.length && w.length === queue.length) {
          d = null;
          for (let k = 0; k < w.length && d === null; k++) {
            const q = queue[k]!;
            const kind = kindOf(q);
            d = differs(kind === 'spop' ? 'shape' : kind, q, w[k]!, g[k]!);
            if (d) d = `${d} in EXEC at ${show(q)}`;
          }
        } else {
          d = differs(kindOf(c), c, w, g);
        }
        // Types are compared where values are: EXEC's as a whole when every queued reply is compared by value.
        const typed = name === 'exec' && queue !== null ? (queue.every((q) => BY_VALUE.has(kindOf(q))) ? 'exact' : 'shape') : kindOf(c);
        d ??= skeletonsDiffer(typed, wantTypes[j]!, gotTypes[j]!);
        if (name === 'multi' && w === '+OK') queue = [];
        if (name === 'exec' || name === 'discard') queue = null;
        if (d) return { kind: 'mismatch', index: i + j, command: c, detail: `${d}: redis ${short(w)}, redstate ${short(g)}` };
      }
      if (this.pairs.length > 0 && isDigest(batch[batch.length - 1])) {
        const divergence = await this.replicasAgree();
        if (divergence !== null) return { kind: 'replica', index: end - 1, command: cmds[end - 1]!, detail: divergence };
      }
      i = end;
    }
    return null;
  }

  /** Whether a candidate sequence fails as the original did (same kind, same command name). */
  private async failsLike(setup: Arg[][], cmds: Arg[][], like: Failure): Promise<Failure | null> {
    const f = await this.runSequence(setup, cmds);
    return f !== null && f.kind === like.kind && f.command[0]?.toLowerCase() === like.command[0]?.toLowerCase() ? f : null;
  }

  /** The shortest sequence found (removing ever smaller chunks) that still fails like the original. */
  async shrink(setup: Arg[][], cmds: Arg[][], failure: Failure): Promise<{ cmds: Arg[][]; failure: Failure }> {
    let best = cmds.slice(0, failure.index + 1);
    let bestFailure = failure;
    let runs = 0;
    // A hang costs a whole deadline per candidate: the shrink stops after SHRINK_MS too.
    const until = Date.now() + SHRINK_MS;
    const more = (): boolean => runs < SHRINK_RUNS && Date.now() < until;
    for (let chunk = Math.max(1, best.length >> 1); chunk >= 1 && more(); chunk = chunk === 1 ? 0 : chunk >> 1) {
      for (let at = 0; at < best.length && more();) {
        const candidate = [...best.slice(0, at), ...best.slice(at + chunk)];
        runs++;
        const f = candidate.length ? await this.failsLike(setup, candidate, failure) : null;
        if (f) {
          best = candidate.slice(0, f.index + 1);
          bestFailure = f;
        } else {
          at += chunk;
        }
      }
    }
    return { cmds: best, failure: bestFailure };
  }

  /** Episodes of one seed until the command count or the time is reached. */
  async run(opts: FuzzOptions): Promise<FuzzResult> {
    if (opts.batchDeadlineMs) this.batchDeadlineMs = opts.batchDeadlineMs;
    const result: FuzzResult = { seed: opts.seed, episodes: 0, commands: 0, reports: [] };
    for (let ep = 0; ; ep++) {
      if (opts.commands !== undefined && result.commands >= opts.commands) break;
      if (opts.until !== undefined && Date.now() >= opts.until) break;
      const episode = makeEpisode(opts.seed, ep);
      const { setup } = episode;
      const cmds = this.pairs.length > 0 ? episode.cmds.filter((c) => !unreplicated(c)) : episode.cmds;
      if (opts.resp3) setup.unshift(['HELLO', '3']);
      const failure = await this.runSequence(setup, cmds);
      result.episodes++;
      result.commands += failure === null ? cmds.length : failure.index + 1;
      if (failure === null) continue;
      const again = await this.runSequence(setup, cmds);
      const shrunk = again === null ? { cmds: cmds.slice(0, failure.index + 1), failure } : await this.shrink(setup, cmds, failure);
      const report: Report = { seed: opts.seed, episode: ep, failure: shrunk.failure, setup, shrunk: shrunk.cmds };
      result.reports.push(report);
      opts.log?.(describe(report, again === null));
    }
    return result;
  }
}

/** A report as printed: seed, what failed, and the sequence to paste into redis-cli. */
export function describe(r: Report, flaky = false): string {
  return [
    `FUZZ ${r.failure.kind.toUpperCase()} seed ${r.seed} episode ${r.episode}${flaky ? ' (did not fail again: flaky)' : ''}: ${r.failure.detail}`,
    `SHRUNK to ${r.shrunk.length} commands (after the set-up: ${r.setup.map(show).join('; ')}):`,
    ...r.shrunk.map((c) => `  ${show(c)}`),
  ].join('\n');
}
