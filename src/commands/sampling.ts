// Random sampling shared by SRANDMEMBER, HRANDFIELD and ZRANDMEMBER with a count.
import type { Client } from '../actors/client.js';
import { ClientLimits } from '../actors/client-limits.js';

/**
 * How big a reply of repeated picks may grow when client-output-buffer-limit sets no hard
 * limit for normal clients (Redis 7.0 then builds the whole reply and aborts out of memory).
 */
const PICKS_SAFETY_LIMIT = 1024 * 1024 * 1024;

/**
 * CASE 1 of SRANDMEMBER, HRANDFIELD and ZRANDMEMBER: count picks with repeats, each one
 * entry or (pairs) one pair, written by pick(). Its size follows the count, not the data (-LONG_MAX
 * asks for 2^63 picks), so it stops where an output limit would close the client: the normal
 * class's hard limit, or PICKS_SAFETY_LIMIT when that is 0. The client is then closed without
 * its reply, as Redis closes one over its output limit, and every other client goes on.
 */
export function replyPicks(c: Client, count: number, pairs: boolean, pick: () => void): void {
  const limit = c.server.outputLimits('normal').hard || PICKS_SAFETY_LIMIT;
  if (pairs) c.reply.pairs(count);
  else c.reply.array(count);
  for (let i = 0; i < count; i++) {
    pick();
    if ((i & 1023) === 1023 && c.reply.pending > limit) {
      c.reply.take();
      c.closeAfterReply = true;
      c.server.log.warning(ClientLimits.outputLog(c));
      return;
    }
  }
}

/**
 * count distinct positions out of 0..size-1, count < size, chosen at random as the
 * *WithCountCommand functions do: CASE 3 (count close to size) drops random positions from
 * all of them, CASE 4 picks random positions until it has enough; a listpack's CASE 4 lists
 * them in listpack order (lpRandomPairsUnique).
 */
export function sampleDistinct(size: number, count: number, listpack: boolean): number[] {
  if (count * 3 > size) {
    const all = Array.from({ length: size }, (_, i) => i);
    while (all.length > count) {
      const i = randomBelow(all.length);
      all[i] = all[all.length - 1]!;
      all.pop();
    }
    return all;
  }
  const picked = new Set<number>();
  while (picked.size < count) picked.add(randomBelow(size));
  const out = [...picked];
  return listpack ? out.sort((a, b) => a - b) : out;
}

/** A random integer in 0..n-1. */
export function randomBelow(n: number): number {
  return Math.floor(Math.random() * n);
}
