#!/usr/bin/env -S node --max-semi-space-size=32 --min-semi-space-size=32 --v8-pool-size=0 --max-old-space-size=1048576
// redstate [config-file] [--name value ...]: redis-server's command line, start-up and
// shutdown. Runs as the server process itself, so signals reach it directly (env execs node).
// The young generation is 32 MB a semi-space from the start (V8 grows it from 1 MB to 16 MB
// at most): every request leaves ~1.3 kB of garbage, most of it node's socket streams', and a
// scavenge stalls all 50 clients of an unpipelined load at once, so 2.5x fewer of them keep
// the stalled requests under 1% (p99). V8 reads these sizes only as the process starts.
// V8 gets one helper thread per spare core, not node's four: on 2 cores, the helpers of three
// replicas' scavenges in a full sync kept their master's pings waiting for a core. Its heap may
// grow to 1 TB, past the machine's memory, as Redis's does (maxmemory is the bound): V8's own
// limit (a quarter of the memory, 4 GB at most) ended a server holding 4 GB of data with
// "JavaScript heap out of memory" on a 24 GB machine.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from './config/config.js';
import { FatalConfigError, loadConfig } from './config/load.js';
import { startReplicationFromConfig } from './actors/replica-link.js';
import { ListenError, Server } from './actors/server.js';
import { DEFAULT_PID_FILE, writePidFile } from './io/pid-file.js';
import { RdbError } from './io/rdb-format.js';
import { signalFlags } from './actors/shutdown.js';
import { isLogLevel, Logger } from './log.js';
import { logBanner, logStarting } from './startup-log.js';
import { touchYoungGeneration } from './young-gen.js';
import { expandProcTitle } from './config/proc-title.js';
import { renameCommand } from './commands/table.js';
import { REDIS_VERSION, REDSTATE_VERSION } from './version.js';

const USAGE = `Usage: redstate [/path/to/redis.conf] [options] [-]
       redstate - (read config from stdin)
       redstate -v or --version
       redstate -h or --help

Examples:
       redstate (run the server with default config)
       redstate /etc/redis/6379.conf
       redstate --port 7777
       redstate --port 7777 --replicaof 127.0.0.1 8888
       redstate /etc/myredis.conf --loglevel verbose -
`;

export async function main(argv: string[]): Promise<number | null> {
  if (argv[0] === '-v' || argv[0] === '--version') {
    process.stdout.write(`Redis server v=${REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=redstate-${REDSTATE_VERSION}\n`);
    return 0;
  }
  if (argv[0] === '-h' || argv[0] === '--help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = new Logger();
  // checkForSentinelMode: Sentinel is another program; started as one, a data server on its
  // port would answer every SENTINEL command with an error.
  if (argv.includes('--sentinel')) {
    log.role = 'X';
    log.warning('Sentinel mode is not implemented by redstate: run redis-sentinel for it. Exiting...');
    return 1;
  }
  const config = new Config();
  const ignored: string[] = [];
  config.onIgnored = (name) => ignored.push(name);
  config.onRenameCommand = renameCommand;
  let configFile: string | null;
  try {
    ({ file: configFile } = loadConfig(config, argv));
  } catch (e) {
    if (!(e instanceof FatalConfigError)) throw e;
    if (e.logLine) {
      log.role = 'C';
      log.warning(e.message);
    } else {
      process.stderr.write(`${e.message}\n`);
    }
    return 1;
  }
  // The daemon is this program again, with the same argv: it must not fork once more.
  if (config.getBool('daemonize') && process.env[DAEMON_ENV] === undefined) return await daemonize(argv, config.get('pidfile') === '');
  const applyLogConfig = (): void => {
    const level = config.get('loglevel')!;
    if (isLogLevel(level)) log.level = level;
    log.file = config.path('logfile');
  };
  applyLogConfig();
  config.onIgnored = (name) => log.notice(`Config directive '${name}' is not implemented by redstate and is ignored.`);
  let server: Server | null = null;
  config.onChange = (name) => {
    if (name === 'loglevel') applyLogConfig();
    if (name === 'dir') process.chdir(config.get('dir')!);
    // updateProcTitleTemplate sets the title whatever set-proc-title says; a new port or bind only under it.
    if (server !== null && (name === 'proc-title-template' || (config.getBool('set-proc-title') && (name === 'port' || name === 'bind')))) {
      setProcTitle(server);
    }
  };

  logStarting(log, configFile);
  for (const name of ignored) config.onIgnored(name);
  const pidfile = config.path('pidfile');
  if (pidfile !== '') writePidFile(pidfile);

  server = new Server(config, log);
  try {
    server.acl.loadAtStartup(config.userLines);
  } catch (e) {
    log.warning((e as Error).message);
    log.warning('Critical error while loading ACLs. Exiting.');
    return 1;
  }
  // adjustOpenFilesLimit, before the sockets: maxclients down to what the open-file limit holds.
  const fit = server.maxclientsThatFit();
  if (fit === 0) return 1;
  if (fit !== null) config.set('maxclients', [String(fit)], false);
  server.configFile = configFile === null || configFile === '-' ? null : resolve(configFile);
  server.pidfile = pidfile;
  // As redis-server's chdir to dir: a core dump, or a path a user gives relative, lands there.
  process.chdir(config.get('dir')!);
  server.onExit = (code) => process.exit(code);
  // Before the server listens: a SIGTERM sent once "Ready to accept connections" shows must find them.
  let signals = 0;
  const onSignal = (name: string) => (): void => {
    if (++signals > 1 && name === 'SIGINT') {
      log.fromSignalHandler('You insist... exiting now.');
      process.exit(1);
    }
    log.fromSignalHandler(server.persistence.loading === 1
      ? 'Received shutdown signal during loading, scheduling shutdown.'
      : `Received ${name} scheduling shutdown...`);
    server.shutdown.request(signalFlags(config.get(name === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm') ?? 'default'));
  };
  process.on('SIGTERM', onSignal('SIGTERM'));
  process.on('SIGINT', onSignal('SIGINT'));
  // main()'s signal(SIGHUP, SIG_IGN): a hang-up (a closed terminal, a HUP meant as a reload) is no reason to stop.
  process.on('SIGHUP', () => {});
  // Node opens its debugger on SIGUSR1, a port that runs any code it is sent; redis-server has
  // no handler for it and dies of it: so does this process, by the signal's default action.
  process.once('SIGUSR1', () => process.kill(process.pid, 'SIGUSR1'));
  // setupSigSegvAction's SIGABRT and a bug of ours: Redis's crash report in the log, not a stack on stderr alone.
  process.on('SIGABRT', () => server!.crashBySignal('SIGABRT', 0));
  process.on('uncaughtException', (e) => server!.panic(`Uncaught exception: ${e.message}`, e.stack ?? ''));
  try {
    await server.listen();
  } catch (e) {
    if (e instanceof ListenError) return 1;
    throw e;
  }
  if (config.getBool('set-proc-title')) setProcTitle(server);
  logBanner(log, config, server.port);
  server.updateOomScore();
  log.notice('Server initialized');
  // Before the start-up figures: the young generation is part of the runtime's RSS.
  touchYoungGeneration();
  server.memory.markStartup();
  try {
    await server.persistence.loadAtStart();
  } catch (e) {
    // rdbReportError's lines for a file that is not a good RDB; loadDataFromDisk's for one that cannot be read.
    if (e instanceof RdbError) {
      log.warning(e.report);
      // Printed, not logged, as redis-check-rdb prints them inside redis-server.
      process.stdout.write(`${e.checkLines().join('\n')}\n`);
      log.warning('Terminating server after rdb file reading failure.');
    } else {
      log.warning(`Fatal error loading the DB: ${(e as Error).message}. Exiting.`);
    }
    await server.close();
    return 1;
  }
  log.notice('Ready to accept connections');
  const unixSocket = server.config.get('unixsocket')!;
  if (unixSocket !== '') log.notice(`The server is now ready to accept connections at ${unixSocket}`);
  startReplicationFromConfig(server);
  return null;
}

// redisSetProcTitle
/** The title `ps` shows for this process, from proc-title-template ({title}: the script as run). */
function setProcTitle(server: Server): void {
  const config = server.config;
  const title = expandProcTitle(config.get('proc-title-template')!, (name) => {
    switch (name) {
      case 'title': return process.argv[1] ?? 'redstate';
      case 'listen-addr': return server.port !== 0 ? `${config.get('bind')!.split(' ')[0] || '*'}:${server.port}` : `unixsocket:${config.get('unixsocket')}`;
      case 'server-mode': return '';
      case 'config-file': return server.configFile ?? '-';
      case 'port': return String(server.port);
      case 'tls-port': return config.get('tls-port')!;
      case 'unixsocket': return config.get('unixsocket')!;
    }
  });
  if (title !== null) process.title = title;
}

/** Set in the daemon's environment: it is the daemon already. */
const DAEMON_ENV = 'REDSTATE_DAEMON';

/**
 * daemonize yes: this program again, detached (setsid) with no stdio, as redis-server's fork
 * is, and this process exits 0. It keeps daemonize yes (CONFIG GET shows it) and writes its
 * pid where redis-server's daemon would: the pidfile, by default DEFAULT_PID_FILE. child_process
 * is imported here, not with the module: the bundle would load it into every start-up.
 */
async function daemonize(argv: string[], defaultPidFile: boolean): Promise<number> {
  const { spawn } = await import('node:child_process');
  const args = [...process.execArgv, fileURLToPath(import.meta.url), ...argv, ...(defaultPidFile ? ['--pidfile', DEFAULT_PID_FILE] : [])];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, [DAEMON_ENV]: '1' },
  });
  child.unref();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== null) process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
