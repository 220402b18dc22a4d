// CLIENT LIST INFO KILL SETNAME GETNAME ID UNBLOCK PAUSE UNPAUSE REPLY TRACKING CACHING
// GETREDIR TRACKINGINFO NO-EVICT HELP (networking.c clientCommand).
import { timeoutArg } from '../actors/blocking.js';
import type { AclUser } from './acl-users.js';
import type { Client } from '../actors/client.js';
import type { TrackingOptions } from '../actors/tracking.js';
import { INT64 } from '../store/numbers.js';
import { argvBytes, intArg, is, rangeArg } from './args.js';
import { ERR } from './errors.js';
import { container, replyHelp, subcommandSyntax } from './subcommands.js';

const CONN = ['noscript', 'loading', 'stale'] as const;
const CONN_ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;

type ClientType = 'normal' | 'replica' | 'master' | 'pubsub';

/** getClientType: master and replica links as replication marks them, subscribed clients as pubsub. */
function clientType(c: Client): ClientType {
  if (c.isMaster) return 'master';
  if (c.replica !== null) return 'replica';
  return c.inPubSub ? 'pubsub' : 'normal';
}

/** getClientTypeByName */
function typeByName(name: string): ClientType | null {
  const n = name.toLowerCase();
  if (n === 'normal' || n === 'master' || n === 'pubsub' || n === 'replica') return n;
  return n === 'slave' ? 'replica' : null;
}

/** The socket's file descriptor, as Redis shows it; -1 for a client without one. */
function fdOf(c: Client): number {
  const handle = (c.socket as { _handle?: { fd?: number } } | undefined)?._handle;
  return handle?.fd ?? -1;
}

/** getClientInfoString: one CLIENT LIST line (without its newline). */
export function clientInfoString(c: Client, argvMem = 0): string {
  const now = Date.now();
  let flags = '';
  const t = c.tracking;
  if (c.replica !== null) flags += 'S';
  if (c.server.replication.monitors.has(c)) flags += 'O';
  if (c.isMaster) flags += 'M';
  if (c.inPubSub) flags += 'P';
  if (c.multi !== null) flags += 'x';
  if (c.waiting !== null) flags += 'b';
  if (t !== null) flags += 't';
  if (t?.brokenRedirect === true) flags += 'R';
  if (t?.bcast === true) flags += 'B';
  if (c.casDirty) flags += 'd';
  if (c.closeAfterReply) flags += 'c';
  if (c.unixSocket) flags += 'U';
  if (c.noEvict) flags += 'e';
  if (flags === '') flags = 'N';
  const multiMem = c.multiBytes;
  const qbuf = c.parser.buffered;
  const omem = c.outputBytes;
  return `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${fdOf(c)} name=${c.name} ` +
    `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} ` +
    `flags=${flags} db=${c.dbIndex} sub=${c.subscriptions.channel.size} psub=${c.subscriptions.pattern.size} ssub=${c.subscriptions.shard.size} multi=${c.multi === null ? -1 : c.multi.queue.length} ` +
    `qbuf=${qbuf} qbuf-free=${Math.max(0, c.parser.retained - qbuf)} argv-mem=${argvMem} multi-mem=${multiMem} rbs=${c.reply.bufferSize} rbp=${c.reply.bufferPeak} obl=0 oll=0 ` +
    `omem=${omem} tot-mem=${c.memoryUsage(argvMem)} events=${omem > 0 ? 'rw' : 'r'} ` +
    `cmd=${c.lastCommand} user=${c.isMaster ? '(superuser)' : c.user.name} redir=${t === null ? -1 : t.redirect} resp=${c.reply.resp3 ? 3 : 2}`;
}

/** clientListCommand's filters: TYPE <type> alone, or ID <id> [<id> ...]. */
function clientList(c: Client, argv: string[]): void {
  let out = '';
  const line = (cl: Client): void => {
    out += `${clientInfoString(cl, cl === c ? argvBytes(argv) : 0)}\n`;
  };
  if (argv.length === 4 && is(argv[2], 'TYPE')) {
    const t = typeByName(argv[3]!);
    if (t === null) return c.reply.error(`ERR Unknown client type '${argv[3]}'`);
    for (const cl of c.server.clients.values()) if (clientType(cl) === t) line(cl);
  } else if (argv.length > 3 && is(argv[2], 'ID')) {
    const ids: number[] = [];
    for (const s of argv.slice(3)) {
      const id = intArg(c, s, 'ERR Invalid client ID');
      if (id === null) return;
      ids.push(id);
    }
    for (const id of ids) {
      const cl = c.server.clients.get(id);
      if (cl !== undefined) line(cl);
    }
  } else if (argv.length !== 2) {
    return c.reply.error(ERR.syntax);
  } else {
    for (const cl of c.server.clients.values()) line(cl);
  }
  c.reply.verbatim(out);
}

interface KillFilter {
  addr?: string;
  laddr?: string;
  type?: ClientType;
  id?: number;
  user?: AclUser;
  skipme: boolean;
}

const KILL_ID = 'ERR client-id should be greater than 0';

/** clientKillCommand's options; null when it replied an error. */
function killFilter(c: Client, argv: string[]): KillFilter | null {
  if (argv.length === 3) return { addr: argv[2]!, skipme: false };
  const f: KillFilter = { skipme: true };
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i]!;
    const val = argv[i + 1];
    if (val === undefined) {
      c.reply.error(ERR.syntax);
      return null;
    }
    if (is(opt, 'ID')) {
      const id = rangeArg(c, val, 1n, INT64.max, KILL_ID);
      if (id === null) return null;
      f.id = id;
    } else if (is(opt, 'TYPE')) {
      const t = typeByName(val);
      if (t === null) {
        c.reply.error(`ERR Unknown client type '${val}'`);
        return null;
      }
      f.type = t;
    } else if (is(opt, 'ADDR')) {
      f.addr = val;
    } else if (is(opt, 'LADDR')) {
      f.laddr = val;
    } else if (is(opt, 'USER')) {
      f.user = c.server.acl.users.get(val);
      if (f.user === undefined) {
        c.reply.error(`ERR No such user '${val}'`);
        return null;
      }
    } else if (is(opt, 'SKIPME') && (is(val, 'YES') || is(val, 'NO'))) {
      f.skipme = is(val, 'YES');
    } else {
      c.reply.error(ERR.syntax);
      return null;
    }
  }
  return f;
}

/** CLIENT KILL: the matching clients close once their pending replies are out. */
function clientKill(c: Client, argv: string[]): void {
  const f = killFilter(c, argv);
  if (f === null) return;
  let killed = 0;
  for (const cl of [...c.server.clients.values()]) {
    if (f.addr !== undefined && cl.addr !== f.addr) continue;
    if (f.laddr !== undefined && cl.laddr !== f.laddr) continue;
    if (f.type !== undefined && clientType(cl) !== f.type) continue;
    if (f.id !== undefined && cl.id !== f.id) continue;
    if (f.user !== undefined && cl.user !== f.user) continue;
    if (cl === c && f.skipme) continue;
    killed++;
    if (cl === c) c.closeAfterReply = true;
    else cl.close();
  }
  if (argv.length === 3) {
    if (killed === 0) c.reply.error('ERR No such client');
    else c.reply.ok();
  } else {
    c.reply.integer(killed);
  }
}

/** CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP], checked in Redis's order. */
function clientTracking(c: Client, argv: string[]): void {
  const tracking = c.server.tracking;
  let redirect = 0;
  const opts: TrackingOptions = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  for (let i = 3; i < argv.length; i++) {
    const more = i < argv.length - 1;
    const a = argv[i]!;
    if (is(a, 'REDIRECT') && more) {
      if (redirect !== 0) return c.reply.error('ERR A client can only redirect to a single other client');
      const id = intArg(c, argv[++i]!);
      if (id === null) return;
      if (!c.server.clients.has(id)) return c.reply.error('ERR The client ID you want redirect to does not exist');
      redirect = id;
    } else if (is(a, 'BCAST')) opts.bcast = true;
    else if (is(a, 'OPTIN')) opts.optin = true;
    else if (is(a, 'OPTOUT')) opts.optout = true;
    else if (is(a, 'NOLOOP')) opts.noloop = true;
    else if (is(a, 'PREFIX') && more) prefixes.push(argv[++i]!);
    else return c.reply.error(ERR.syntax);
  }
  const t = c.tracking;
  if (is(argv[2], 'ON')) {
    if (!opts.bcast && prefixes.length > 0) return c.reply.error('ERR PREFIX option requires BCAST mode to be enabled');
    if (t !== null && t.bcast !== opts.bcast) {
      return c.reply.error('ERR You can\'t switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.');
    }
    if (opts.bcast && (opts.optin || opts.optout)) return c.reply.error('ERR OPTIN and OPTOUT are not compatible with BCAST');
    if (opts.optin && opts.optout) return c.reply.error('ERR You can\'t specify both OPTIN mode and OPTOUT mode');
    if (t !== null && ((opts.optin && t.optout) || (opts.optout && t.optin))) {
      return c.reply.error('ERR You can\'t switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.');
    }
    const collision = opts.bcast ? tracking.prefixCollision(c, prefixes) : null;
    if (collision !== null) return c.reply.error(collision);
    tracking.enable(c, redirect, opts, prefixes);
  } else if (is(argv[2], 'OFF')) {
    tracking.disable(c);
  } else {
    return c.reply.error(ERR.syntax);
  }
  c.reply.ok();
}

/** CLIENT TRACKINGINFO: flags (a set), redirect and prefixes (in the radix tree's byte order). */
function trackingInfo(c: Client): void {
  const t = c.tracking;
  const flags = [t === null ? 'off' : 'on'];
  if (t !== null) {
    if (t.bcast) flags.push('bcast');
    if (t.optin) flags.push('optin');
    if (t.optin && t.caching) flags.push('caching-yes');
    if (t.optout) flags.push('optout');
    if (t.optout && t.caching) flags.push('caching-no');
    if (t.noloop) flags.push('noloop');
    if (t.brokenRedirect) flags.push('broken_redirect');
  }
  c.reply.map(3);
  c.reply.bulk('flags');
  c.reply.set(flags.length);
  for (const f of flags) c.reply.bulk(f);
  c.reply.bulk('redirect');
  c.reply.integer(t === null ? -1 : t.redirect);
  c.reply.bulk('prefixes');
  const prefixes = t === null ? [] : [...t.prefixes].sort();
  c.reply.bulks(prefixes, prefixes.length);
}

/** clientSetNameOrReply: printable ASCII without spaces, or empty to clear; false (replied) when refused. */
export function setClientName(c: Client, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 0x21 || ch > 0x7e) {
      c.reply.error('ERR Client names cannot contain spaces, newlines or special characters.');
      return false;
    }
  }
  c.name = name;
  return true;
}

const HELP = [
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
];

export const clientCommand = container('client', [
  {
    name: 'client|list', arity: -2, flags: [...CONN_ADMIN], acl: ['admin', 'slow', 'dangerous', 'connection'],
    run: clientList,
  },
  {
    name: 'client|info', arity: 2, flags: [...CONN], acl: ['slow', 'connection'],
    run(c, argv) {
      c.reply.verbatim(`${clientInfoString(c, argvBytes(argv))}\n`);
    },
  },
  {
    name: 'client|kill', arity: -3, flags: [...CONN_ADMIN], acl: ['admin', 'slow', 'dangerous', 'connection'],
    run: clientKill,
  },
  {
    name: 'client|setname', arity: 3, flags: [...CONN], acl: ['slow', 'connection'],
    run(c, argv) {
      if (setClientName(c, argv[2]!)) c.reply.ok();
    },
  },
  {
    name: 'client|getname', arity: 2, flags: [...CONN], acl: ['slow', 'connection'],
    run(c) {
      c.reply.bulkOrNull(c.name === '' ? null : c.name);
    },
  },
  {
    name: 'client|id', arity: 2, flags: [...CONN], acl: ['slow', 'connection'],
    run(c) {
      c.reply.integer(c.id);
    },
  },
  {
    // CLIENT UNBLOCK: answers a blocked client as its timeout would, or with an error.
    name: 'client|unblock', arity: -3, flags: [...CONN_ADMIN], acl: ['admin', 'slow', 'dangerous', 'connection'],
    run(c, argv) {
      if (argv.length > 4) return subcommandSyntax(c, argv);
      const id = intArg(c, argv[2]!);
      if (id === null) return;
      let withError = false;
      if (argv.length === 4) {
        if (is(argv[3], 'ERROR')) withError = true;
        else if (!is(argv[3], 'TIMEOUT')) return c.reply.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      }
      const target = c.server.clients.get(id);
      c.reply.integer(target !== undefined && c.server.blocking.unblockOnRequest(target, withError) ? 1 : 0);
    },
  },
  {
    name: 'client|pause', arity: -3, flags: [...CONN_ADMIN], acl: ['admin', 'slow', 'dangerous', 'connection'],
    run(c, argv) {
      if (argv.length > 4) return subcommandSyntax(c, argv);
      let type: 'write' | 'all' = 'all';
      if (argv.length === 4) {
        if (is(argv[3], 'WRITE')) type = 'write';
        else if (!is(argv[3], 'ALL')) return c.reply.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      }
      const end = timeoutArg(c, argv[2]!, 'ms');
      if (end === null) return;
      c.server.pause.pause('client-command', end, type);
      c.reply.ok();
    },
  },
  {
    name: 'client|unpause', arity: 2, flags: [...CONN_ADMIN], acl: ['admin', 'slow', 'dangerous', 'connection'],
    run(c) {
      c.server.pause.unpause('client-command');
      c.reply.ok();
    },
  },
  {
    // OFF and SKIP are not answered; SKIP under OFF does nothing.
    name: 'client|reply', arity: 3, flags: [...CONN], acl: ['slow', 'connection'],
    run(c, argv) {
      if (is(argv[2], 'ON')) {
        c.replyOff = c.replySkip = false;
        c.reply.silence(false);
        c.reply.ok();
      } else if (is(argv[2], 'OFF')) {
        c.replyOff = true;
        c.reply.silence(true);
      } else if (is(argv[2], 'SKIP')) {
        if (!c.replyOff) c.replySkipNext = true;
      } else {
        c.reply.error(ERR.syntax);
      }
    },
  },
  {
    name: 'client|tracking', arity: -3, flags: [...CONN], acl: ['slow', 'connection'],
    run: clientTracking,
  },
  {
    name: 'client|caching', arity: 3, flags: [...CONN], acl: ['slow', 'connection'],
    run(c, argv) {
      const t = c.tracking;
      if (t === null) {
        return c.reply.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
      }
      if (is(argv[2], 'YES')) {
        if (!t.optin) return c.reply.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
      } else if (is(argv[2], 'NO')) {
        if (!t.optout) return c.reply.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
      } else {
        return c.reply.error(ERR.syntax);
      }
      t.caching = true;
      c.reply.ok();
    },
  },
  {
    name: 'client|getredir', arity: 2, flags: [...CONN], acl: ['slow', 'connection'],
    run(c) {
      c.reply.integer(c.tracking === null ? -1 : c.tracking.redirect);
    },
  },
  {
    name: 'client|trackinginfo', arity: 2, flags: [...CONN], acl: ['slow', 'connection'],
    run: trackingInfo,
  },
  {
    name: 'client|no-evict', arity: 3, flags: [...CONN_ADMIN], acl: ['admin', 'slow', 'dangerous', 'connection'],
    run(c, argv) {
      if (is(argv[2], 'ON')) c.noEvict = true;
      else if (is(argv[2], 'OFF')) c.noEvict = false;
      else return c.reply.error(ERR.syntax);
      c.reply.ok();
    },
  },
  {
    name: 'client|help', arity: 2, flags: ['loading', 'stale'], acl: ['slow', 'connection'],
    run(c) {
      replyHelp(c, 'CLIENT', HELP);
    },
  },
]);
