// Thresholds that choose a collection's compact or large encoding, as in redis.conf.
// CONFIG SET updates this one object; the collection classes read it when they grow.
export const encodingLimits = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
};

/**
 * The bounds of a packed set (./set.ts): Redis 7.2's set-max-listpack-entries and
 * set-max-listpack-value defaults. Redis 7.0, whose options redstate takes, has no listpack
 * sets and no such options, so these are fixed, not in CONFIG. maxValue stays under 128:
 * set.ts walks a packed set by one-char length prefixes.
 */
export const setPackedLimits = { maxEntries: 128, maxValue: 64 };

/** Where a stream closes a node (stream-node-max-bytes, stream-node-max-entries). */
export const streamLimits = { nodeMaxBytes: 4096, nodeMaxEntries: 100 };
