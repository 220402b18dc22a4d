// The sizes of every measure, in one place, so that the same code runs the
// full bench, `--quick`, and the tiny run in test/bench.

export type Mode = 'full' | 'quick' | 'tiny';

export interface BenchConfig {
  mode: Mode;
  /** Rounds per measure; each round runs both servers, the order alternating. */
  rounds: number;
  /** The whole run stops starting rounds after this long (rounds left say "skipped"). */
  budgetMs: number;
  /** A round that runs longer than this is killed and reported as failed. */
  roundTimeoutMs: number;
  throughput: {
    tests: string[];
    clients: number;
    /** -n without pipelining, and with -P (pipelined runs need more to last long enough). */
    requests: number;
    pipelinedRequests: number;
    keyspace: number;
    pipelines: number[];
  };
  /** DEBUG POPULATE <keys> key <valueSize>: memory, snapshot stalls and RDB. */
  populate: { keys: number; valueSize: number };
  /** The mixed dataset: `keys` small values plus keys/1000 (at least 1) large ones per type. */
  mixed: { keys: number; largeElements: number };
  stalls: { pingEveryMs: number; writesPerSec: number; minPings: number };
  /** Entries of the streams measure. */
  streams: { entries: number };
  /**
   * The replication measures. Full sync, and the syncs the master and the replica live
   * through, use DEBUG POPULATE `keys` (of populate.valueSize); lag and propagation run
   * redis-benchmark SET at throughput.clients, -n throughput.requests / pipelinedRequests;
   * the partial resync cuts the link while `partialWrites` SETs go to the master.
   */
  replication: { keys: number; partialWrites: number; sampleEveryMs: number; replicaCounts: number[] };
}

const tests = ['set', 'get', 'incr', 'lpush', 'rpop', 'sadd', 'hset', 'zadd', 'lrange_100', 'mset'];
const stalls = { pingEveryMs: 1, writesPerSec: 3000, minPings: 20 };

export const presets: Record<Mode, BenchConfig> = {
  full: {
    mode: 'full',
    // Five: on a 2-core host a single noisy round moved a median of three by up to 25%.
    rounds: 5,
    budgetMs: 39 * 60_000,
    roundTimeoutMs: 240_000,
    throughput: { tests, clients: 50, requests: 100_000, pipelinedRequests: 500_000, keyspace: 100_000, pipelines: [1, 16] },
    populate: { keys: 1_000_000, valueSize: 100 },
    mixed: { keys: 200_000, largeElements: 1000 },
    stalls,
    streams: { entries: 1_000_000 },
    replication: { keys: 1_000_000, partialWrites: 10_000, sampleEveryMs: 10, replicaCounts: [1, 3] },
  },
  quick: {
    mode: 'quick',
    rounds: 3,
    budgetMs: 350_000,
    roundTimeoutMs: 60_000,
    throughput: { tests, clients: 50, requests: 20_000, pipelinedRequests: 100_000, keyspace: 100_000, pipelines: [1, 16] },
    populate: { keys: 100_000, valueSize: 100 },
    mixed: { keys: 20_000, largeElements: 1000 },
    stalls,
    streams: { entries: 100_000 },
    replication: { keys: 100_000, partialWrites: 10_000, sampleEveryMs: 10, replicaCounts: [1, 3] },
  },
  tiny: {
    mode: 'tiny',
    rounds: 1,
    budgetMs: 90_000,
    roundTimeoutMs: 30_000,
    throughput: { tests, clients: 50, requests: 2000, pipelinedRequests: 2000, keyspace: 100_000, pipelines: [1, 16] },
    populate: { keys: 2000, valueSize: 100 },
    mixed: { keys: 1000, largeElements: 200 },
    stalls,
    streams: { entries: 2000 },
    replication: { keys: 2000, partialWrites: 500, sampleEveryMs: 10, replicaCounts: [1, 3] },
  },
};
