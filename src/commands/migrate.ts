// MIGRATE (cluster.c migrateCommand): the keys go to another server as RESTOREs over a cached
// connection, and, unless COPY, are deleted here once it took them, propagated as one DEL. The
// server waits for the target as Redis's does (io/sync-exchange.ts), each step up to the timeout.
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey } from '../actors/notify.js';
import { encodeCommand } from '../io/resp-command.js';
import type { ExchangeRequest, ExchangeResult } from '../io/sync-exchange.js';
import type { Value } from '../store/values.js';
import { intArg, is } from './args.js';
import type { CommandSpec } from './command.js';
import { dumpPayload } from './dump.js';
import { ERR } from './errors.js';

interface Options {
  copy: boolean;
  replace: boolean;
  /** AUTH's arguments: the password, or the username and the password (AUTH2). */
  auth: string[] | null;
  /** The keys: argv[3], or those after KEYS. */
  keys: string[];
}

/** The options from argv[6] on, as migrateCommand reads them; null after replying the error. */
function options(c: Client, argv: string[]): Options | null {
  const o: Options = { copy: false, replace: false, auth: null, keys: [argv[3]!] };
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (is(argv[j], 'COPY')) {
      o.copy = true;
    } else if (is(argv[j], 'REPLACE')) {
      o.replace = true;
    } else if (is(argv[j], 'AUTH') && more >= 1) {
      o.auth = [argv[++j]!];
    } else if (is(argv[j], 'AUTH2') && more >= 2) {
      o.auth = [argv[j + 1]!, argv[j + 2]!];
      j += 2;
    } else if (is(argv[j], 'KEYS')) {
      if (argv[3] !== '') {
        c.reply.error('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
        return null;
      }
      o.keys = argv.slice(j + 1);
      break;
    } else {
      c.reply.error(ERR.syntax);
      return null;
    }
  }
  return o;
}

// migrateCommand
function migrate(c: Client, argv: string[]): void {
  const o = options(c, argv);
  if (o === null) return;
  const timeoutArg = intArg(c, argv[5]!);
  if (timeoutArg === null) return;
  const db = intArg(c, argv[4]!);
  if (db === null) return;
  const timeoutMs = timeoutArg <= 0 ? 1000 : timeoutArg;
  // Keys gone meanwhile (often expired) are no error: with none left, NOKEY.
  const found: Array<[string, Value]> = [];
  for (const key of o.keys) {
    const v = c.db.lookup(key);
    if (v !== undefined) found.push([key, v]);
  }
  c.preventPropagation();
  if (found.length === 0) return c.reply.simple('NOKEY');
  const auth = o.auth === null ? null : encodeCommand(['AUTH', ...o.auth]);
  const select = encodeCommand(['SELECT', String(db)]);
  // The RESTOREs, of the keys whose expiry has not passed: the TTL is what is left of it. Made
  // once: a retry sends them again (only before the target took any).
  const sent: string[] = [];
  const body: Buffer[] = [];
  for (const [key, v] of found) {
    const at = c.db.getExpire(key);
    let ttl = 0;
    if (at !== undefined) {
      ttl = at - Date.now();
      if (ttl < 0) continue;
      if (ttl < 1) ttl = 1;
    }
    sent.push(key);
    const restore = ['RESTORE', key, String(ttl), dumpPayload(v, c.server.config.getBool('rdbcompression')).toString('latin1')];
    if (o.replace) restore.push('REPLACE');
    body.push(encodeCommand(restore));
  }
  const request: ExchangeRequest = {
    host: argv[1]!, port: Number(argv[2]), source: c.server.config.get('bind-source-addr')!, timeoutMs, auth, db, select,
    body: Buffer.concat(body), commands: sent.length, fresh: false,
  };
  for (;;) {
    const r = c.server.migrateConnections.run(request);
    if (r.connectFailed) return c.reply.error('IOERR error or timeout connecting to the client');
    const outcome = applyReplies(c, r, sent, o.copy);
    // Nothing done yet and no timeout: the cached connection may have been closed; once more, on a new one.
    if (outcome === 'retry' && !request.fresh && !r.timedOut) {
      request.fresh = true;
      continue;
    }
    if (outcome === 'retry' || outcome === 'socket') {
      return c.reply.error(`IOERR error or timeout ${r.socketError === 'write' ? 'writing' : 'reading'} to target instance`);
    }
    if (outcome === 'ok') c.reply.ok();
    return;
  }
}

/**
 * The target's replies: a key it took is deleted here (unless copy) and its DEL propagated; the
 * first error replied to the client. 'retry' when the connection failed before anything was
 * taken, 'socket' when it failed after, 'error' when the target refused, else 'ok'.
 */
function applyReplies(c: Client, r: ExchangeResult, keys: string[], copy: boolean): 'ok' | 'error' | 'retry' | 'socket' {
  const first = (r.authSent ? 1 : 0) + (r.selectSent ? 1 : 0);
  if (r.lines.length < first) return 'retry';
  const refused = r.lines.slice(0, first).find((l) => l.startsWith('-'));
  let error = false;
  const deleted: string[] = [];
  for (let j = 0; j < keys.length && first + j < r.lines.length; j++) {
    const line = refused ?? r.lines[first + j]!;
    if (line.startsWith('-')) {
      if (!error) c.reply.error(`ERR Target instance replied with error: ${line.slice(1)}`);
      error = true;
    } else if (!copy) {
      const key = keys[j]!;
      c.db.delete(key);
      notifyKey(c, NOTIFY.generic, 'del', key);
      deleted.push(key);
    }
  }
  if (deleted.length > 0) c.propagateAs(['DEL', ...deleted]);
  if (r.socketError !== null && !error) return r.lines.length === first ? 'retry' : 'socket';
  return error ? 'error' : 'ok';
}

export const migrateCommands: CommandSpec[] = [
  { name: 'migrate', arity: -6, flags: ['write', 'movablekeys'], keys: [3, 3, 1], acl: ['keyspace', 'write', 'slow', 'dangerous'], run: migrate },
];
