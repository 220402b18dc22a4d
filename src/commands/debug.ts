// DEBUG (debug.c debugCommand): DIGEST, DIGEST-VALUE, OBJECT, REPLICATE, SLEEP,
// SET-ACTIVE-EXPIRE, SET-SKIP-CHECKSUM-VALIDATION, SET-DISABLE-DENY-SCRIPTS, QUICKLIST-PACKED-THRESHOLD, PAUSE-CRON, SEGFAULT, PANIC, CONFIG-REWRITE-FORCE-ALL, POPULATE, RELOAD, LOG, ERROR, PROTOCOL, HELP. Like Redis 7.0 it answers only when enable-debug-command allows.
import { sleepSync } from '../io/sleep.js';
import type { Client } from '../actors/client.js';
import { computeDatasetDigest, valueDigest } from '../store/digest.js';
import { flatten } from '../store/packed.js';
import { settleHeap } from '../store/settle-heap.js';
import { strtod } from '../store/floats.js';
import { RdbEncoder } from '../io/rdb-encoder.js';
import { is, positiveIntArg } from './args.js';
import type { CommandSpec } from './command.js';
import { encodingOf, refCount } from './keys.js';
import { rewriteServerConfig } from './config-rewrite.js';
import { parseMemory } from '../config/config.js';
import { replyHelp, subcommandSyntax } from './subcommands.js';

/**
 * DEBUG POPULATE: keys prefix:0..count-1 holding "value:N", NUL-padded or cut to size when
 * one is given; existing keys are left alone. Like Redis it does not count as changes.
 */
function populate(c: Client, argv: string[]): void {
  const count = positiveIntArg(c, argv[2]!);
  if (count === null) return;
  const size = argv.length === 5 ? positiveIntArg(c, argv[4]!) : 0;
  if (size === null) return;
  const prefix = argv.length >= 4 ? `${argv[3]}:` : 'key:';
  const pad = '\0'.repeat(size);
  const db = c.db;
  const ks = c.server.keyspace;
  const dirty = ks.dirty;
  for (let j = 0; j < count; j++) {
    // Flat strings, as a SET from the network makes: a rope or a slice of pad would cost a
    // copy (and garbage) the first time anything reads the bytes, a snapshot for one.
    const key = flatten(prefix + j);
    if (db.lookup(key) !== undefined) continue;
    let val = `value:${j}`;
    if (size > 0) val = val.length >= size ? val.slice(0, size) : val + pad.slice(val.length);
    db.set(key, flatten(val));
  }
  ks.dirty = dirty;
  settleHeap();
  c.reply.ok();
}

/**
 * DEBUG OBJECT <key>: the value as stored (expired or not, not counted as an access), in
 * Redis's words. A JS value has no address: "Value at" is (nil), as %p prints a null pointer;
 * the serialized length is what this server's RDB encoding of it takes (its lists are not
 * quicklists, so no ql_ fields follow).
 */
function debugObject(c: Client, key: string): void {
  const v = c.db.peek(key);
  if (v === undefined) return c.reply.error('ERR no such key');
  const marked = c.db.stringEncodings.get(key);
  const access = c.db.accessWord(key)!;
  const enc = new RdbEncoder({ compression: c.server.config.getBool('rdbcompression') });
  enc.typedValue(v);
  // rdbSavedObjectLen: the value without its type byte.
  const serialized = enc.take()!.length - 1;
  const idle = Math.floor(c.server.keyspace.access.idleMs(access) / 1000);
  c.reply.simple(`Value at:(nil) refcount:${refCount(v, marked, c.server.memory.sharedIntegers)} encoding:${encodingOf(v, marked)} ` +
    `serializedlength:${serialized} lru:${access} lru_seconds_idle:${idle}`);
}

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves (unless NOSAVE), then loads the RDB file in place of the dataset (or into it: NOFLUSH). */
function reload(c: Client, argv: string[]): void {
  let save = true;
  let flush = true;
  let merge = false;
  for (const opt of argv.slice(2)) {
    if (is(opt, 'NOSAVE')) save = false;
    else if (is(opt, 'NOFLUSH')) flush = false;
    else if (is(opt, 'MERGE')) merge = true;
    else return c.reply.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  // MERGE matters only without a flush: a key or library the file also holds is replaced.
  const r = c.server.persistence.reload(save, flush ? 'replace' : merge ? 'merge' : 'add');
  if (r === 'save-error') return c.reply.error('ERR');
  if (r === 'load-error') return c.reply.error('ERR Error trying to load the RDB dump');
  c.reply.ok();
}

const HELP = [
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE but writes all configuration options, including',
  '    keywords not listed in original configuration file or default values.',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'REPLICATE <string>',
  '    Replicates the provided string to replicas, allowing data divergence.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'PANIC',
  '    Crash the server simulating a panic.',
  'POPULATE <count> [<prefix>] [<size>]',
  "    Create <count> string keys named key:<num>. If <prefix> is specified then",
  "    it is used instead of the 'key' prefix. These are not propagated to",
  '    replicas.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will make the load fail.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'SEGFAULT',
  '    Crash the server with sigsegv.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
];

const PROTOCOL_TYPES = 'string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false';

/**
 * DEBUG PROTOCOL <type>: one sample reply of each RESP type, which client libraries' own test
 * suites ask for to check their RESP3 parsers.
 */
function protocol(c: Client, type: string): void {
  const r = c.reply;
  switch (type.toLowerCase()) {
    case 'string': return r.bulk('Hello World');
    case 'integer': return r.integer(12345);
    case 'double': return r.double(3.141);
    case 'bignum': return r.bigNumber('1234567999999999999999999999999999999');
    case 'null': return r.nullBulk();
    case 'array':
      r.array(3);
      return [0, 1, 2].forEach((j) => r.integer(j));
    case 'set':
      r.set(3);
      return [0, 1, 2].forEach((j) => r.integer(j));
    case 'map':
      r.map(3);
      for (let j = 0; j < 3; j++) {
        r.integer(j);
        r.bool(j === 1);
      }
      return;
    case 'attrib':
      if (r.resp3) {
        r.attribute(1);
        r.bulk('key-popularity');
        r.array(2);
        r.bulk('key:123');
        r.integer(90);
      }
      return r.bulk('Some real reply following the attribute');
    case 'push': {
      if (!r.resp3) return r.error('ERR RESP2 is not supported by this command');
      const was = r.beginPush();
      r.pushHeader(2);
      r.bulk('server-cpu-usage');
      r.integer(42);
      r.endPush(was);
      // A push is not a reply: a real one follows for clients that wait for one.
      return r.bulk('Some real reply following the push reply');
    }
    case 'true': return r.bool(true);
    case 'false': return r.bool(false);
    case 'verbatim': return r.verbatim('This is a verbatim\nstring');
    default: return r.error(`ERR Wrong protocol type name. Please use one of the following: ${PROTOCOL_TYPES}`);
  }
}

/** The si_code of Redis's DEBUG SEGFAULT: a write to a read-only page. */
const SEGV_ACCERR = 2;

/** A <0|1> argument as debugCommand reads it, with atoi: any text that does not start with a nonzero integer is 0. */
function atoiFlag(arg: string): boolean {
  return (parseInt(arg, 10) || 0) !== 0;
}

/** A subcommand that turns a switch on or off with its <0|1> argument. */
function onOff(set: (c: Client, on: boolean) => void): Subcommand {
  return {
    ok: (n) => n === 3,
    run(c, argv) {
      set(c, atoiFlag(argv[2]!));
      c.reply.ok();
    },
  };
}

interface Subcommand {
  ok: (argc: number) => boolean;
  run: (c: Client, argv: string[]) => void;
}

/** Each subcommand with the argument counts debugCommand accepts for it. */
const SUBCOMMANDS = new Map<string, Subcommand>([
  ['help', {
    ok: (n) => n === 2,
    run: (c) => replyHelp(c, 'DEBUG', HELP),
  }],
  ['digest', {
    ok: (n) => n === 2,
    run: (c) => c.reply.simple(computeDatasetDigest(c.server.keyspace)),
  }],
  ['digest-value', {
    ok: (n) => n >= 2,
    run(c, argv) {
      c.reply.array(argv.length - 2);
      for (const key of argv.slice(2)) c.reply.simple(valueDigest(c.db, key));
    },
  }],
  ['sleep', {
    ok: (n) => n === 3,
    run(c, argv) {
      // strtod's prefix, as debugCommand reads it; an infinite time does not sleep there either.
      const ms = strtod(argv[2]!).value * 1000;
      sleepSync(ms);
      c.reply.ok();
    },
  }],
  ['config-rewrite-force-all', {
    ok: (n) => n === 2,
    run(c) {
      const failed = rewriteServerConfig(c.server, true);
      if (failed !== null) return c.reply.error(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${failed}`);
      c.reply.ok();
    },
  }],
  ['set-skip-checksum-validation', onOff((c, on) => (c.server.skipChecksumValidation = on))],
  ['set-active-expire', onOff((c, on) => (c.server.keyspace.activeExpireEnabled = on))],
  ['quicklist-packed-threshold', {
    ok: (n) => n === 3,
    run(c, argv) {
      // quicklistisSetPackedThreshold's bounds. redstate's lists have no quicklist nodes, plain
      // or packed, so the value changes nothing else: a list holds elements of any size alike.
      const size = parseMemory(argv[2]!);
      if (size === null || size > 2 ** 32 - 2 ** 20) return c.reply.error('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
      c.reply.ok();
    },
  }],
  ['pause-cron', onOff((c, on) => (c.server.cronPaused = on))],
  ['segfault', {
    ok: () => true,
    run: (c) => c.server.crashBySignal('SIGSEGV', SEGV_ACCERR),
  }],
  ['panic', {
    ok: () => true,
    run: (c) => c.server.panic(`DEBUG PANIC called at Unix time ${Math.floor(Date.now() / 1000)}`),
  }],
  ['set-disable-deny-scripts', onOff((c, on) => (c.server.scripting.allowNoScript = on))],
  ['replicate', {
    ok: (n) => n >= 3,
    run(c, argv) {
      // Straight into the stream, in the db it is in: what the replicas make of it is theirs.
      c.server.replication.propagate(-1, argv.slice(2));
      c.reply.ok();
    },
  }],
  ['object', {
    ok: (n) => n === 3,
    run: (c, argv) => debugObject(c, argv[2]!),
  }],
  ['populate', {
    ok: (n) => n >= 3 && n <= 5,
    run: populate,
  }],
  ['reload', {
    ok: () => true,
    run: reload,
  }],
  ['log', {
    ok: (n) => n === 3,
    run(c, argv) {
      c.server.log.warning(`DEBUG LOG: ${argv[2]}`);
      c.reply.ok();
    },
  }],
  ['protocol', {
    ok: (n) => n === 3,
    run: (c, argv) => protocol(c, argv[2]!),
  }],
  ['error', {
    ok: (n) => n === 3,
    run: (c, argv) => c.reply.error(argv[2]!),
  }],
]);

export const debugCommands: CommandSpec[] = [
  {
    // debugCommand
    name: 'debug', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], acl: ['admin', 'slow', 'dangerous'],
    protectedBy: 'enable-debug-command',
    run(c, argv) {
      const sub = SUBCOMMANDS.get(argv[1]!.toLowerCase());
      if (sub === undefined || !sub.ok(argv.length)) {
        return subcommandSyntax(c, argv);
      }
      // What DEBUG does to the dataset (POPULATE, RELOAD) is this server's own: replicas never see it.
      c.preventPropagation();
      sub.run(c, argv);
    },
  },
];
