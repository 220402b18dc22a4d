// The differential fuzzer: seeded episodes of random commands sent, pipelined in batches, to
// redstate (its own process, from dist/) and redis-server 7.0 side by side; replies compared
// (compare.ts), DEBUG DIGEST every DIGEST_EVERY commands, every batch answered within a
// deadline. A mismatch, a hang or a crash is shrunk to the shortest sequence that still fails
// the same way and reported with its seed. No vitest here: fuzz.test.ts and run.ts drive it.
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
  kind: 'mismatch' | 'hang' | 'crash';
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

  constructor(readonly name: 'redis' | 'redstate') {}

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), `fuzz-${this.name}-`));
    this.port = await freePort();
    const common = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'no',
      '--enable-debug-command', 'local', '--loglevel', 'warning'];
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

export interface FuzzResult {
  seed: number;
  episodes: number;
  commands: number;
  reports: Report[];
}

/** Both servers, started once for a run and restarted after a crash or a hang. */
export class Fuzzer {
  readonly redis = new Peer('redis');
  readonly redstate = new Peer('redstate');
  /** A batch that grows a string to 512 MB and digests it takes seconds on a loaded machine (seed 543). */
  batchDeadlineMs = 30_000;

  async start(): Promise<void> {
    await Promise.all([this.redis.start(), this.redstate.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.redis.stop(), this.redstate.stop()]);
  }

  /** Runs one sequence on fresh connections after its set-up; the first failure, if any. */
  async runSequence(setup: Arg[][], cmds: Arg[][]): Promise<Failure | null> {
    for (const p of [this.redis, this.redstate]) if (p.proc === null || p.proc.exitCode !== null || p.proc.signalCode !== null) await p.restart();
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
      const dead = who.proc === null || who.proc.exitCode !== null || who.proc.signalCode !== null;
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
      while (end < cmds.length && end - i < BATCH && !(cmds[end]![0]!.toLowerCase() === 'spop' && !inMulti[end])) end++;
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
      const { setup, cmds } = makeEpisode(opts.seed, ep);
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
