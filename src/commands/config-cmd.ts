// CONFIG GET SET RESETSTAT REWRITE HELP (config.c).
import type { Client } from '../actors/client.js';
import { ConfigError } from '../config/config.js';
import type { ProtectedSetting } from './command.js';
import { globMatch, hasWildcards } from './glob.js';
import { LOADING } from './dispatch.js';
import { cstr } from './errors.js';
import { rewriteServerConfig } from './config-rewrite.js';
import { resetServerState } from './server-state.js';
import { container, replyHelp } from './subcommands.js';
import { everyCommand } from './table.js';

const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;

/** PROTECTED_CONFIG: settable at run time only when enable-protected-configs allows it. */
const PROTECTED = new Set(['dir', 'dbfilename']);

/** processCommand's refusal of a protected command that setting does not allow the client. */
export function protectedRefusal(setting: ProtectedSetting): string {
  const name = setting === 'enable-debug-command' ? 'DEBUG' : 'MODULE';
  return `ERR ${name} command not allowed. If the ${setting} option is set to "local", you can run it from a local ` +
    'connection, otherwise you need to set this option in the configuration file, and then restart the server.';
}

/** allowProtectedAction: "yes", or "local" and the client is on loopback or the unix socket. */
export function allowProtectedAction(c: Client, setting: string): boolean {
  if (setting === 'yes') return true;
  if (setting !== 'local') return false;
  const host = c.addr.slice(0, c.addr.lastIndexOf(':'));
  return host === '127.0.0.1' || host === '::1' || host === '::ffff:127.0.0.1' || c.stream === null || c.unixSocket;
}

/** resetCommandTableStats */
function resetCommandStats(): void {
  for (const c of everyCommand()) c.stats.reset();
}

/** DENY_LOADING_CONFIG: what CONFIG SET refuses with -LOADING while a dataset loads. */
const DENY_LOADING = new Set(['appendonly', 'repl-diskless-load', 'dir']);

/**
 * redstate's own directives fixed at start-up: set to the value they have, they are no change,
 * so a tool that sets back all that `CONFIG GET *` listed does not fail on them.
 */
const OWN_FIXED = new Set(['inspect-port', 'inspect-bind']);

/**
 * configSetCommand: checks every name first (unknown, protected, refused while loading, given
 * twice: the first problem is reported), then sets each value in order; when one is refused,
 * the ones already set get their old values back.
 */
function configSet(c: Client, argv: string[]): void {
  if (argv.length % 2 !== 0) return c.reply.error('ERR syntax error');
  const config = c.server.config;
  const names: string[] = [];
  const canonical: string[] = [];
  let failure: string | null = null;
  let denyLoading = false;
  for (let i = 2; i < argv.length && failure === null && !denyLoading; i += 2) {
    const name = argv[i]!.toLowerCase();
    const cn = config.isFileOnly(name) ? null : config.canonical(name);
    if (cn === null) {
      failure = `ERR Unknown option or number of arguments for CONFIG SET - '${cstr(argv[i]!, argv[i]!.length)}'`;
    } else if (config.isImmutable(cn)) {
      if (!OWN_FIXED.has(cn) || argv[i + 1] !== config.get(cn)) failure = `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`;
    } else if (PROTECTED.has(cn) && !allowProtectedAction(c, config.get('enable-protected-configs')!)) {
      failure = `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set protected config`;
    } else if (c.server.persistence.loading === 1 && DENY_LOADING.has(cn)) {
      denyLoading = true;
    } else if (canonical.includes(cn)) {
      failure = `ERR CONFIG SET failed (possibly related to argument '${name}') - duplicate parameter`;
    } else {
      names.push(name);
      canonical.push(cn);
    }
  }
  if (denyLoading) return c.reply.error(LOADING);
  if (failure !== null) return c.reply.error(failure);
  const old = canonical.map((cn) => config.get(cn)!);
  for (let i = 0; i < canonical.length; i++) {
    try {
      config.set(canonical[i]!, [argv[3 + i * 2]!], true);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (let j = i - 1; j >= 0; j--) config.set(canonical[j]!, [old[j]!], false);
      return c.reply.error(`ERR CONFIG SET failed (possibly related to argument '${names[i]}') - ${e.message}`);
    }
  }
  // The apply steps that can fail (updatePort and applyBind, updateOOMScoreAdj, updateMaxclients):
  // then all of it is undone, and applied again as it was.
  const net = canonical.findIndex((cn, i) => cn === 'bind' || (cn === 'port' && config.get(cn) !== old[i]));
  const oom = canonical.findIndex((cn) => cn === 'oom-score-adj' || cn === 'oom-score-adj-values');
  const clients = canonical.indexOf('maxclients');
  const fit = clients >= 0 ? c.server.maxclientsThatFit() : null;
  const failed = net >= 0 && !c.server.rebind()
    ? [net, canonical[net] === 'port' ? 'Unable to listen on this port. Check server logs.' : 'Failed to bind to specified addresses.'] as const
    : oom >= 0 && !c.server.updateOomScore() ? [oom, 'Failed to set current oom_score_adj. Check server logs.'] as const
    : fit !== null ? [clients, `The operating system is not able to handle the specified number of clients, try with ${fit}`] as const : null;
  if (failed !== null) {
    c.server.log.warning(`Failed applying new configuration. Possibly related to new ${canonical[failed[0]]} setting. Restoring previous settings.`);
    for (let j = canonical.length - 1; j >= 0; j--) config.set(canonical[j]!, [old[j]!], false);
    if (net >= 0) c.server.rebind();
    if (oom >= 0) c.server.updateOomScore();
    return c.reply.error(`ERR CONFIG SET failed (possibly related to argument '${names[failed[0]]}') - ${failed[1]}`);
  }
  for (const cn of canonical) c.server.configChanged(cn);
  c.reply.ok();
}

/** configGetCommand: exact names are looked up as typed, patterns matched without case. */
function configGet(c: Client, argv: string[]): void {
  const config = c.server.config;
  const found = new Map<string, [string, string]>();
  for (let i = 2; i < argv.length; i++) {
    const pattern = argv[i]!;
    if (!hasWildcards(pattern)) {
      const key = pattern.toLowerCase();
      const cn = config.canonical(key);
      if (cn !== null && !found.has(key)) found.set(key, [pattern, config.get(cn)!]);
      continue;
    }
    for (const [name, value] of config.matching(pattern, (p, n) => globMatch(p, n, true))) {
      if (!found.has(name)) found.set(name, [name, value]);
    }
  }
  c.reply.map(found.size);
  for (const [name, value] of found.values()) {
    c.reply.bulk(name);
    c.reply.bulk(value);
  }
}

const HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

export const configCommand = container('config', [
  {
    name: 'config|get', arity: -3, flags: [...ADMIN], acl: ['admin', 'slow', 'dangerous'],
    run: configGet,
  },
  {
    name: 'config|set', arity: -4, flags: [...ADMIN], acl: ['admin', 'slow', 'dangerous'],
    run: configSet,
  },
  {
    // resetCommand's RESETSTAT: resetServerStats, resetCommandTableStats, resetErrorTableStats
    name: 'config|resetstat', arity: 2, flags: [...ADMIN], acl: ['admin', 'slow', 'dangerous'],
    run(c) {
      const ks = c.server.keyspace.stats;
      c.server.resetStats();
      resetCommandStats();
      resetServerState(c.server);
      Object.assign(c.server.replication.stats, { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0 });
      ks.expiredKeys = 0;
      ks.evictedKeys = 0;
      c.server.memory.resetStats();
      c.server.clientLimits.evictedClients = 0;
      ks.keyspaceHits = 0;
      ks.keyspaceMisses = 0;
      c.reply.ok();
    },
  },
  {
    name: 'config|rewrite', arity: 2, flags: [...ADMIN], acl: ['admin', 'slow', 'dangerous'],
    run(c) {
      if (c.server.configFile === null) return c.reply.error('ERR The server is running without a config file');
      const failed = rewriteServerConfig(c.server, false);
      if (failed !== null) return c.reply.error(`ERR Rewriting config file: ${failed}`);
      c.server.log.notice('CONFIG REWRITE executed with success.');
      c.reply.ok();
    },
  },
  {
    name: 'config|help', arity: 2, flags: ['loading', 'stale'], acl: ['slow'],
    run(c) {
      replyHelp(c, 'CONFIG', HELP);
    },
  },
]);
