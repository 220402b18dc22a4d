// Pub/sub (pubsub.c): who listens to which channel, pattern and shard channel, and the
// delivery of messages to them. A message is written into each listener's reply buffer and
// flushed on the next event-loop turn, so a burst of PUBLISHes costs one write per listener;
// a listener that does not read is dropped once its output passes the pubsub class of
// client-output-buffer-limit (checkClientOutputBufferLimits), so it cannot grow without bound.
import { globMatch } from '../commands/glob.js';
import type { Client } from './client.js';

/** The three kinds of subscription, each with its reply words. */
export type Kind = 'channel' | 'pattern' | 'shard';

const WORDS: Record<Kind, { sub: string; unsub: string }> = {
  channel: { sub: 'subscribe', unsub: 'unsubscribe' },
  pattern: { sub: 'psubscribe', unsub: 'punsubscribe' },
  shard: { sub: 'ssubscribe', unsub: 'sunsubscribe' },
};

export class PubSub {
  /** name -> listeners, in subscription order, one map per kind. */
  private readonly listeners: Record<Kind, Map<string, Set<Client>>> = {
    channel: new Map(), pattern: new Map(), shard: new Map(),
  };

  /** The names of a kind with at least one listener (PUBSUB CHANNELS, SHARDCHANNELS). */
  names(kind: Kind): IterableIterator<string> {
    return this.listeners[kind].keys();
  }

  /** How many names of a kind have a listener (INFO's pubsub_channels, pubsub_patterns, pubsubshard_channels). */
  count(kind: Kind): number {
    return this.listeners[kind].size;
  }

  /** How many listen to name (PUBSUB NUMSUB, SHARDNUMSUB). */
  listenersOf(kind: Kind, name: string): number {
    return this.listeners[kind].get(name)?.size ?? 0;
  }

  // pubsubSubscribeChannel, pubsubSubscribePattern, pubsubSubscribeShardChannel
  /** Subscribes c to name and replies [subscribe, name, count]. */
  subscribe(c: Client, kind: Kind, name: string): void {
    const mine = c.ownSubscriptions()[kind];
    if (!mine.has(name)) {
      mine.add(name);
      let set = this.listeners[kind].get(name);
      if (set === undefined) this.listeners[kind].set(name, (set = new Set()));
      set.add(c);
    }
    this.replyCount(c, kind, WORDS[kind].sub, name);
  }

  // pubsubUnsubscribeChannel and friends
  /** Unsubscribes c from name, replying [unsubscribe, name, count] when asked to. */
  unsubscribe(c: Client, kind: Kind, name: string, reply: boolean): void {
    if (c.subscriptions[kind].has(name)) {
      c.ownSubscriptions()[kind].delete(name);
      const set = this.listeners[kind].get(name)!;
      set.delete(c);
      if (set.size === 0) this.listeners[kind].delete(name);
    }
    if (reply) this.replyCount(c, kind, WORDS[kind].unsub, name);
  }

  // pubsubUnsubscribeAllChannels and friends
  /** Every subscription of a kind goes, each replied; with none, one reply with a null name. */
  unsubscribeAll(c: Client, kind: Kind, reply: boolean): void {
    const mine = c.subscriptions[kind];
    if (mine.size === 0) {
      if (reply) this.replyCount(c, kind, WORDS[kind].unsub, null);
      return;
    }
    for (const name of [...mine]) this.unsubscribe(c, kind, name, reply);
  }

  /** A client going away (or RESET) leaves every channel, pattern and shard channel silently. */
  forget(c: Client): void {
    this.unsubscribeAll(c, 'channel', false);
    this.unsubscribeAll(c, 'pattern', false);
    this.unsubscribeAll(c, 'shard', false);
  }

  // pubsubPublishMessage
  /** Delivers to channel's listeners, then to matching patterns'; returns the receivers. */
  publish(channel: string, message: string): number {
    let receivers = 0;
    const direct = this.listeners.channel.get(channel);
    if (direct !== undefined) {
      for (const c of direct) this.deliver(c, 'message', null, channel, message);
      receivers += direct.size;
    }
    for (const [pattern, set] of this.listeners.pattern) {
      if (!globMatch(pattern, channel)) continue;
      for (const c of set) this.deliver(c, 'pmessage', pattern, channel, message);
      receivers += set.size;
    }
    return receivers;
  }

  // pubsubPublishMessage for shard channels (SPUBLISH): no patterns.
  publishShard(channel: string, message: string): number {
    const set = this.listeners.shard.get(channel);
    if (set === undefined) return 0;
    for (const c of set) this.deliver(c, 'smessage', null, channel, message);
    return set.size;
  }

  /** [kind-word, name, count]; SSUBSCRIBE counts shard subscriptions, the others the rest. */
  private replyCount(c: Client, kind: Kind, word: string, name: string | null): void {
    const s = c.subscriptions;
    const was = c.reply.beginPush();
    c.reply.pushHeader(3);
    c.reply.bulk(word);
    c.reply.bulkOrNull(name);
    c.reply.integer(kind === 'shard' ? s.shard.size : s.channel.size + s.pattern.size);
    c.reply.endPush(was);
  }

  /** Writes one message to c and checks c against the pubsub output limits. */
  private deliver(c: Client, word: string, pattern: string | null, channel: string, message: string): void {
    if (c.closed || c.closeAfterReply) return;
    const was = c.reply.beginPush();
    c.reply.pushHeader(pattern === null ? 3 : 4);
    c.reply.bulk(word);
    if (pattern !== null) c.reply.bulk(pattern);
    c.reply.bulk(channel);
    c.reply.bulk(message);
    c.reply.endPush(was);
    if (c.checkOutputLimits()) c.flushSoon();
  }
}
