// INFO (server.c genRedisInfoString): the sections and field names of Redis 7.0, lines ending
// in \r\n, sections headed "# Name" and separated by an empty line.
import { arch, machine, release, totalmem, type } from 'node:os';
import { resolve } from 'node:path';
import { memoryOverhead } from '../actors/memory-report.js';
import type { Server } from '../actors/server.js';
import { REDIS_VERSION } from '../version.js';
import type { CommandSpec } from './command.js';
import { replicaInfoFields } from './replicaof.js';
import { serverState } from './server-state.js';
import { allCommands, everyCommand } from './table.js';

type Field = readonly [string, string | number];

interface Section {
  readonly name: string;
  readonly title: string;
  /** Part of a bare INFO ("default"). */
  readonly byDefault: boolean;
  readonly fields: (server: Server) => Field[];
}

/** bytesToHuman: B under 1 KiB, then K M G T P with two decimals, B again past that. */
function bytesToHuman(n: number): string {
  let d = n;
  for (const unit of ['B', 'K', 'M', 'G', 'T', 'P']) {
    if (d < 1024) return unit === 'B' ? `${n}B` : `${d.toFixed(2)}${unit}`;
    d /= 1024;
  }
  return `${n}B`;
}

function serverFields(server: Server): Field[] {
  const now = Date.now();
  const uptime = Math.floor((now - server.startedAt) / 1000);
  const shutdownIn = server.shutdown.remainingMs(now);
  return [
    ['redis_version', REDIS_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_mode', 'standalone'],
    ['os', `${type()} ${release()} ${machine()}`],
    ['arch_bits', arch().endsWith('64') ? 64 : 32],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', process.platform === 'linux' ? 'epoll' : 'kqueue'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', server.runId],
    ['tcp_port', server.port],
    ['server_time_usec', Math.floor((performance.timeOrigin + performance.now()) * 1000)],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', server.config.getInt('hz')],
    ['configured_hz', server.config.getInt('hz')],
    ['lru_clock', Math.floor(now / 1000) & 0xffffff],
    ['executable', resolve(process.argv[1] ?? process.execPath)],
    ['config_file', server.configFile ?? ''],
    ['io_threads_active', 0],
    ...(shutdownIn === null ? [] : [['shutdown_in_milliseconds', shutdownIn] as [string, number]]),
  ];
}

function clientsFields(server: Server): Field[] {
  let maxIn = 0;
  let maxOut = 0;
  for (const c of server.clients.values()) {
    maxIn = Math.max(maxIn, c.parser.buffered);
    maxOut = Math.max(maxOut, c.reply.pending);
  }
  return [
    // Replicas are counted apart, in connected_slaves.
    ['connected_clients', server.clients.size - server.replication.replicas.size],
    ['cluster_connections', 0],
    ['maxclients', server.config.getInt('maxclients')],
    ['client_recent_max_input_buffer', maxIn],
    ['client_recent_max_output_buffer', maxOut],
    ['blocked_clients', server.blocking.count],
    ['tracking_clients', server.tracking.clients],
    ['clients_in_timeout_table', server.blocking.withTimeout],
  ];
}

/** INFO memory: Redis 7.0's fields in its order, from memory-report.ts's breakdown. */
function memoryFields(server: Server): Field[] {
  const m = memoryOverhead(server);
  const used = m.totalAllocated;
  const maxmemory = server.memory.maxmemory;
  const total = totalmem();
  const perc = (n: number): string => `${n.toFixed(2)}%`;
  // The backlog and replicas' buffers: one replication buffer in Redis 7.0, not counted for eviction.
  const replBuffers = m.replBacklog + m.clientsSlaves;
  return [
    ['used_memory', used],
    ['used_memory_human', bytesToHuman(used)],
    ['used_memory_rss', m.rss],
    ['used_memory_rss_human', bytesToHuman(m.rss)],
    ['used_memory_peak', m.peakAllocated],
    ['used_memory_peak_human', bytesToHuman(m.peakAllocated)],
    ['used_memory_peak_perc', perc(m.peakPerc)],
    ['used_memory_overhead', m.overheadTotal],
    ['used_memory_startup', m.startupAllocated],
    ['used_memory_dataset', m.dataset],
    ['used_memory_dataset_perc', perc(m.datasetPerc)],
    ['allocator_allocated', m.allocatorAllocated],
    ['allocator_active', m.allocatorActive],
    ['allocator_resident', m.allocatorResident],
    ['total_system_memory', total],
    ['total_system_memory_human', bytesToHuman(total)],
    ...scriptMemoryFields(server),
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', server.memory.policy],
    ['allocator_frag_ratio', m.allocatorFrag.toFixed(2)],
    ['allocator_frag_bytes', m.allocatorFragBytes],
    ['allocator_rss_ratio', m.allocatorRss.toFixed(2)],
    ['allocator_rss_bytes', m.allocatorRssBytes],
    ['rss_overhead_ratio', m.rssExtra.toFixed(2)],
    ['rss_overhead_bytes', m.rssExtraBytes],
    ['mem_fragmentation_ratio', m.totalFrag.toFixed(2)],
    ['mem_fragmentation_bytes', m.totalFragBytes],
    ['mem_not_counted_for_evict', replBuffers],
    ['mem_replication_backlog', m.replBacklog],
    ['mem_total_replication_buffers', replBuffers],
    ['mem_clients_slaves', m.clientsSlaves],
    ['mem_clients_normal', m.clientsNormal],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', 'libc'],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
  ];
}

/** INFO memory's Lua states, script cache and libraries, as Redis 7.0 lists them. */
function scriptMemoryFields(server: Server): Field[] {
  const scripting = server.scripting;
  const m = scripting.memoryReport();
  const vmTotal = m.vmEval + m.vmFunctions;
  const scripts = m.scriptsEval + m.functions;
  return [
    ['used_memory_lua', m.vmEval],
    ['used_memory_vm_eval', m.vmEval],
    ['used_memory_lua_human', bytesToHuman(m.vmEval)],
    ['used_memory_scripts_eval', m.scriptsEval],
    ['number_of_cached_scripts', scripting.scripts.size],
    ['number_of_functions', scripting.functions.functionCount],
    ['number_of_libraries', scripting.functions.libraries.size],
    ['used_memory_vm_functions', m.vmFunctions],
    ['used_memory_vm_total', vmTotal],
    ['used_memory_vm_total_human', bytesToHuman(vmTotal)],
    ['used_memory_functions', m.functions],
    ['used_memory_scripts', scripts],
    ['used_memory_scripts_human', bytesToHuman(scripts)],
  ];
}

function persistenceFields(server: Server): Field[] {
  const p = server.persistence;
  const total = p.currentSaveKeysTotal;
  return [
    ['loading', p.asyncLoading ? 0 : p.loading],
    ['async_loading', p.asyncLoading ? 1 : 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', (total > 0 ? (p.currentSaveKeysProcessed / total) * 100 : 0).toFixed(2)],
    ['current_save_keys_processed', p.currentSaveKeysProcessed],
    ['current_save_keys_total', total],
    ['rdb_changes_since_last_save', p.rdbChangesSinceLastSave],
    ['rdb_bgsave_in_progress', p.bgsaveInProgress ? 1 : 0],
    ['rdb_last_save_time', p.lastSave],
    ['rdb_last_bgsave_status', p.lastBgsaveStatus],
    ['rdb_last_bgsave_time_sec', p.lastBgsaveTimeSec],
    ['rdb_current_bgsave_time_sec', p.currentBgsaveTimeSec],
    ['rdb_saves', p.rdbSaves],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', p.lastLoadKeysExpired],
    ['rdb_last_load_keys_loaded', p.lastLoadKeysLoaded],
    ['aof_enabled', 0],
    ['aof_rewrite_in_progress', 0],
    ['aof_rewrite_scheduled', 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', 0],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
    ...(p.loading === 1 ? loadingFields(server) : []),
  ];
}

/** The progress of a load in progress (a replica's full sync). */
function loadingFields(server: Server): Field[] {
  const p = server.persistence;
  const elapsed = Math.floor(Date.now() / 1000) - p.loadingStartedAt;
  const perc = p.loadingTotalBytes > 0 ? (p.loadingLoadedBytes / p.loadingTotalBytes) * 100 : 0;
  const rate = elapsed > 0 ? p.loadingLoadedBytes / elapsed : 0;
  return [
    ['loading_start_time', p.loadingStartedAt],
    ['loading_total_bytes', p.loadingTotalBytes],
    ['loading_rdb_used_mem', 0],
    ['loading_loaded_bytes', p.loadingLoadedBytes],
    ['loading_loaded_perc', perc.toFixed(2)],
    ['loading_eta_seconds', rate > 0 ? Math.floor((p.loadingTotalBytes - p.loadingLoadedBytes) / rate) : 1],
  ];
}

function statsFields(server: Server): Field[] {
  const st = server.stats;
  const ks = server.keyspace.stats;
  const x = serverState(server);
  const eviction = server.memory.info();
  return [
    ['total_connections_received', st.connectionsReceived],
    ['total_commands_processed', st.commandsProcessed],
    ['instantaneous_ops_per_sec', x.ops.value],
    // As Redis 7.0 prints them: the totals include replication's share.
    ['total_net_input_bytes', st.netInputBytes + st.netReplInputBytes],
    ['total_net_output_bytes', st.netOutputBytes + st.netReplOutputBytes],
    ['total_net_repl_input_bytes', st.netReplInputBytes],
    ['total_net_repl_output_bytes', st.netReplOutputBytes],
    ['instantaneous_input_kbps', (x.netInput.value / 1024).toFixed(2)],
    ['instantaneous_output_kbps', (x.netOutput.value / 1024).toFixed(2)],
    ['instantaneous_input_repl_kbps', (x.netReplInput.value / 1024).toFixed(2)],
    ['instantaneous_output_repl_kbps', (x.netReplOutput.value / 1024).toFixed(2)],
    ['rejected_connections', st.rejectedConnections],
    ['sync_full', server.replication.stats.syncFull],
    ['sync_partial_ok', server.replication.stats.syncPartialOk],
    ['sync_partial_err', server.replication.stats.syncPartialErr],
    ['expired_keys', ks.expiredKeys],
    ['expired_stale_perc', '0.00'],
    ['expired_time_cap_reached_count', 0],
    ['expire_cycle_cpu_milliseconds', 0],
    ['evicted_keys', ks.evictedKeys],
    ['evicted_clients', server.clientLimits.evictedClients],
    ['total_eviction_exceeded_time', eviction.exceededTotalMs],
    ['current_eviction_exceeded_time', eviction.exceededCurrentMs],
    ['keyspace_hits', ks.keyspaceHits],
    ['keyspace_misses', ks.keyspaceMisses],
    ['pubsub_channels', server.pubsub.count('channel')],
    ['pubsub_patterns', server.pubsub.count('pattern')],
    ['pubsubshard_channels', server.pubsub.count('shard')],
    ['latest_fork_usec', 0],
    ['total_forks', server.persistence.backgroundSnapshots],
    ['migrate_cached_sockets', server.migrateConnections.cached],
    ['slave_expires_tracked_keys', server.keyspace.replicaExpires.size],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', server.tracking.totalKeys],
    ['tracking_total_items', server.tracking.totalItemsCount],
    ['tracking_total_prefixes', server.tracking.totalPrefixes],
    ['unexpected_error_replies', x.unexpectedErrorReplies],
    ['total_error_replies', x.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', 0],
    ['total_writes_processed', 0],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
  ];
}

/** INFO replication: the role's own fields (a replica's link, a master's replicas), then the stream's. */
function replicationFields(server: Server): Field[] {
  const role: Field[] = server.replicaLink !== null ? replicaInfoFields(server) : [['role', 'master']];
  return [...role, ...attachedReplicaFields(server), ...replicationStreamFields(server)];
}

/** connected_slaves, min_slaves_good_slaves and a slaveN line per attached replica. */
function attachedReplicaFields(server: Server): Field[] {
  const repl = server.replication;
  const config = server.config;
  const fields: Field[] = [['connected_slaves', repl.replicas.size]];
  if (config.getInt('min-replicas-to-write') > 0 && config.getInt('min-replicas-max-lag') > 0) {
    fields.push(['min_slaves_good_slaves', repl.goodReplicas()]);
  }
  const now = Date.now();
  let i = 0;
  for (const r of repl.replicas) {
    fields.push([`slave${i++}`, `ip=${r.ip},port=${r.conf.listeningPort},state=${r.infoState},offset=${r.ackOffset},lag=${r.lagSeconds(now)}`]);
  }
  return fields;
}

/** The replication ids, offset and backlog, whatever the role. */
function replicationStreamFields(server: Server): Field[] {
  const repl = server.replication;
  const b = repl.backlog;
  return [
    ['master_failover_state', server.failover?.state ?? 'no-failover'],
    ['master_replid', repl.replid],
    ['master_replid2', repl.replid2],
    ['master_repl_offset', repl.masterReplOffset],
    ['second_repl_offset', repl.secondReplOffset],
    ['repl_backlog_active', b === null ? 0 : 1],
    ['repl_backlog_size', server.config.getInt('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', b === null ? 0 : b.offset],
    ['repl_backlog_histlen', b === null ? 0 : b.histlen],
  ];
}

function cpuFields(): Field[] {
  const u = process.cpuUsage();
  const sys = (u.system / 1e6).toFixed(6);
  const user = (u.user / 1e6).toFixed(6);
  return [
    ['used_cpu_sys', sys],
    ['used_cpu_user', user],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', sys],
    ['used_cpu_user_main_thread', user],
  ];
}

/** cmdstat_<name>: every command called, rejected or failed; a container by its subcommands. */
function commandstatsFields(): Field[] {
  const out: Field[] = [];
  for (const cmd of allCommands()) {
    for (const c of cmd.subcommands ?? [cmd]) {
      const { calls, rejected, failed } = c.stats;
      if (calls === 0 && rejected === 0 && failed === 0) continue;
      const usec = Math.floor(c.stats.usec);
      out.push([`cmdstat_${c.name}`, `calls=${calls},usec=${usec},usec_per_call=${(calls > 0 ? usec / calls : 0).toFixed(2)},` +
        `rejected_calls=${rejected},failed_calls=${failed}`]);
    }
  }
  return out;
}

// genRedisInfoStringLatencyStats, fillPercentileDistributionLatencies
/** latency_percentiles_usec_<name>: each command with calls recorded, at latency-tracking-info-percentiles. */
function latencystatsFields(server: Server): Field[] {
  const percentiles = (server.config.get('latency-tracking-info-percentiles') ?? '').split(' ').filter((p) => p !== '').map(Number);
  const out: Field[] = [];
  for (const c of everyCommand()) {
    const h = c.stats.histogram;
    if (h === null) continue;
    // "%f" with its trailing zeros trimmed (99.9, 50), then the value in us as "%.3f".
    out.push([`latency_percentiles_usec_${c.name}`, percentiles.map((p) => `p${Number(p.toFixed(6))}=${(h.percentile(p) / 1000).toFixed(3)}`).join(',')]);
  }
  return out;
}

function errorstatsFields(server: Server): Field[] {
  return [...serverState(server).errors].map(([code, n]) => [`errorstat_${code}`, `count=${n}`]);
}

function keyspaceFields(server: Server): Field[] {
  return server.keyspace.dbs.filter((db) => db.size > 0)
    .map((db) => [`db${db.id}`, `keys=${db.size},expires=${db.expires.size},avg_ttl=0`]);
}

const SECTIONS: readonly Section[] = [
  { name: 'server', title: 'Server', byDefault: true, fields: serverFields },
  { name: 'clients', title: 'Clients', byDefault: true, fields: clientsFields },
  { name: 'memory', title: 'Memory', byDefault: true, fields: memoryFields },
  { name: 'persistence', title: 'Persistence', byDefault: true, fields: persistenceFields },
  { name: 'stats', title: 'Stats', byDefault: true, fields: statsFields },
  { name: 'replication', title: 'Replication', byDefault: true, fields: replicationFields },
  { name: 'cpu', title: 'CPU', byDefault: true, fields: cpuFields },
  { name: 'modules', title: 'Modules', byDefault: true, fields: () => [] },
  { name: 'commandstats', title: 'Commandstats', byDefault: false, fields: commandstatsFields },
  { name: 'errorstats', title: 'Errorstats', byDefault: true, fields: errorstatsFields },
  { name: 'latencystats', title: 'Latencystats', byDefault: false, fields: latencystatsFields },
  { name: 'cluster', title: 'Cluster', byDefault: true, fields: () => [['cluster_enabled', 0]] },
  { name: 'keyspace', title: 'Keyspace', byDefault: true, fields: keyspaceFields },
];

/**
 * genRedisInfoString for the sections asked for (genInfoSectionDict's rules: none means
 * "default", "all" and "everything" mean every section, unknown names are ignored).
 * Sections come out in Redis's order whatever the order asked.
 */
export function genInfoString(server: Server, asked: readonly string[]): string {
  const names = new Set<string>();
  let all = false;
  const addDefaults = (): void => {
    for (const sec of SECTIONS) if (sec.byDefault) names.add(sec.name);
  };
  for (const a of asked) {
    const s = a.toLowerCase();
    if (s === 'all' || s === 'everything') all = true;
    else if (s === 'default') addDefaults();
    else names.add(s);
  }
  if (asked.length === 0) addDefaults();
  let out = '';
  for (const sec of SECTIONS) {
    if (!all && !names.has(sec.name)) continue;
    if (out !== '') out += '\r\n';
    out += `# ${sec.title}\r\n`;
    for (const [k, v] of sec.fields(server)) out += `${k}:${v}\r\n`;
  }
  return out;
}

export const infoCommands: CommandSpec[] = [
  {
    // infoCommand
    name: 'info', arity: -1, flags: ['loading', 'stale'], acl: ['slow', 'dangerous'],
    run(c, argv) {
      c.reply.verbatim(genInfoString(c.server, argv.slice(1)));
    },
  },
];
