// MEMORY (object.c memoryCommand): USAGE, whose figure is the one eviction counts as freed
// when the key goes (store/object-size.ts); STATS and DOCTOR over the same used_memory
// eviction counts (actors/memory-report.ts); MALLOC-STATS and PURGE, where V8 stands in
// for jemalloc; HELP.
import type { Client } from '../actors/client.js';
import { mallocStats, memoryDoctorReport, memoryOverhead } from '../actors/memory-report.js';
import { keySize, DEFAULT_SAMPLES } from '../store/object-size.js';
import { intArg, is } from './args.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';
import { container, replyHelp } from './subcommands.js';

const HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

// memoryCommand's STATS
/** MEMORY STATS: Redis 7.0's map, in its order, a db.<n> entry for each db with keys. */
function replyStats(c: Client): void {
  const m = memoryOverhead(c.server);
  const r = c.reply;
  const int = (name: string, n: number): void => {
    r.bulk(name);
    r.integer(n);
  };
  const float = (name: string, n: number): void => {
    r.bulk(name);
    r.double(n);
  };
  r.map(27 + m.dbs.length);
  int('peak.allocated', m.peakAllocated);
  int('total.allocated', m.totalAllocated);
  int('startup.allocated', m.startupAllocated);
  int('replication.backlog', m.replBacklog);
  int('clients.slaves', m.clientsSlaves);
  int('clients.normal', m.clientsNormal);
  int('cluster.links', 0);
  int('aof.buffer', 0);
  int('lua.caches', 0);
  int('functions.caches', 0);
  for (const db of m.dbs) {
    r.bulk(`db.${db.id}`);
    r.map(3);
    int('overhead.hashtable.main', db.main);
    int('overhead.hashtable.expires', db.expires);
    int('overhead.hashtable.slot-to-keys', 0);
  }
  int('overhead.total', m.overheadTotal);
  int('keys.count', m.totalKeys);
  int('keys.bytes-per-key', m.bytesPerKey);
  int('dataset.bytes', m.dataset);
  float('dataset.percentage', m.datasetPerc);
  float('peak.percentage', m.peakPerc);
  int('allocator.allocated', m.allocatorAllocated);
  int('allocator.active', m.allocatorActive);
  int('allocator.resident', m.allocatorResident);
  float('allocator-fragmentation.ratio', m.allocatorFrag);
  int('allocator-fragmentation.bytes', m.allocatorFragBytes);
  float('allocator-rss.ratio', m.allocatorRss);
  int('allocator-rss.bytes', m.allocatorRssBytes);
  float('rss-overhead.ratio', m.rssExtra);
  int('rss-overhead.bytes', m.rssExtraBytes);
  float('fragmentation', m.totalFrag);
  int('fragmentation.bytes', m.totalFragBytes);
}

export const memoryCommands: CommandSpec[] = [
  container('memory', [
    {
      name: 'memory|doctor', arity: 2, flags: [], acl: ['slow'],
      run(c) {
        c.reply.verbatim(memoryDoctorReport(c.server));
      },
    },
    {
      name: 'memory|malloc-stats', arity: 2, flags: [], acl: ['slow'],
      run(c) {
        c.reply.verbatim(mallocStats());
      },
    },
    {
      name: 'memory|purge', arity: 2, flags: [], acl: ['slow'],
      run(c) {
        c.server.memory.purge();
        c.reply.ok();
      },
    },
    {
      name: 'memory|stats', arity: 2, flags: [], acl: ['slow'],
      run: replyStats,
    },
    {
      name: 'memory|usage', arity: -3, flags: ['readonly'], keys: [2, 2, 1], acl: ['read', 'slow'],
      run(c, argv) {
        let samples = DEFAULT_SAMPLES;
        for (let j = 3; j < argv.length; j++) {
          if (!is(argv[j], 'SAMPLES') || j + 1 >= argv.length) return c.reply.error(ERR.syntax);
          const n = intArg(c, argv[++j]!);
          if (n === null) return;
          if (n < 0) return c.reply.error(ERR.syntax);
          samples = n;
        }
        // dbFind: no expiry check and no access stamp, as Redis.
        const value = c.db.dict.get(argv[2]!);
        if (value === undefined) return c.reply.nullBulk();
        c.reply.integer(keySize(argv[2]!, value, samples));
      },
    },
    {
      name: 'memory|help', arity: 2, flags: ['loading', 'stale'], acl: ['slow'],
      run(c) {
        replyHelp(c, 'MEMORY', HELP);
      },
    },
  ]),
];
