// SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH and
// PUBSUB (pubsub.c); the listeners and the delivery live in actors/pubsub.ts.
import type { Kind } from '../actors/pubsub.js';
import type { Client } from '../actors/client.js';
import type { CommandSpec } from './command.js';
import { globMatch } from './glob.js';
import { container, replyHelp, subcommandSyntax } from './subcommands.js';

const SUB = ['pubsub', 'noscript', 'loading', 'stale'] as const;

/** (P|S)SUBSCRIBE name [name ...] */
function subscribeCommand(name: string, kind: Kind): CommandSpec {
  return {
    name, arity: -2, flags: [...SUB], keys: kind === 'shard' ? [1, -1, 1] : undefined, acl: ['pubsub', 'slow'],
    run(c, argv) {
      for (let i = 1; i < argv.length; i++) c.server.pubsub.subscribe(c, kind, argv[i]!);
    },
  };
}

/** (P|S)UNSUBSCRIBE [name ...]: without names, every one of that kind. */
function unsubscribeCommand(name: string, kind: Kind): CommandSpec {
  return {
    name, arity: -1, flags: [...SUB], keys: kind === 'shard' ? [1, -1, 1] : undefined, acl: ['pubsub', 'slow'],
    run(c, argv) {
      if (argv.length === 1) return c.server.pubsub.unsubscribeAll(c, kind, true);
      for (let i = 1; i < argv.length; i++) c.server.pubsub.unsubscribe(c, kind, argv[i]!, true);
    },
  };
}

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern]: the names with listeners, matching pattern. */
function replyNames(c: Client, kind: Kind, argv: string[]): void {
  const pattern = argv[2];
  const out: string[] = [];
  for (const name of c.server.pubsub.names(kind)) if (pattern === undefined || globMatch(pattern, name)) out.push(name);
  c.reply.bulks(out, out.length);
}

/** PUBSUB NUMSUB / SHARDNUMSUB [name ...]: name, listeners, name, listeners... */
function replyCounts(c: Client, kind: Kind, argv: string[]): void {
  c.reply.array((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    c.reply.bulk(argv[i]!);
    c.reply.integer(c.server.pubsub.listenersOf(kind, argv[i]!));
  }
}

const HELP = [
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
];

const INTROSPECT = ['pubsub', 'loading', 'stale'] as const;

/** CHANNELS and SHARDCHANNELS take one pattern at most. */
function atMostPattern(c: Client, argv: string[]): boolean {
  if (argv.length <= 3) return true;
  subcommandSyntax(c, argv);
  return false;
}

export const pubsubCommands: CommandSpec[] = [
  subscribeCommand('subscribe', 'channel'),
  unsubscribeCommand('unsubscribe', 'channel'),
  subscribeCommand('psubscribe', 'pattern'),
  unsubscribeCommand('punsubscribe', 'pattern'),
  subscribeCommand('ssubscribe', 'shard'),
  unsubscribeCommand('sunsubscribe', 'shard'),
  {
    name: 'publish', arity: 3, flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'], acl: ['pubsub', 'fast'],
    run(c, argv) {
      c.reply.integer(c.server.pubsub.publish(argv[1]!, argv[2]!));
      // A replica's subscribers hear it too: it goes down the stream (not in cluster mode, which redstate never is).
      c.forcePropagation();
    },
  },
  {
    name: 'spublish', arity: 3, flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'], keys: [1, 1, 1], acl: ['pubsub', 'fast'],
    run(c, argv) {
      c.reply.integer(c.server.pubsub.publishShard(argv[1]!, argv[2]!));
      c.forcePropagation();
    },
  },
  container('pubsub', [
    {
      name: 'pubsub|channels', arity: -2, flags: [...INTROSPECT], acl: ['pubsub', 'slow'],
      run(c, argv) {
        if (atMostPattern(c, argv)) replyNames(c, 'channel', argv);
      },
    },
    {
      name: 'pubsub|numsub', arity: -2, flags: [...INTROSPECT], acl: ['pubsub', 'slow'],
      run(c, argv) {
        replyCounts(c, 'channel', argv);
      },
    },
    {
      name: 'pubsub|numpat', arity: 2, flags: [...INTROSPECT], acl: ['pubsub', 'slow'],
      run: (c) => c.reply.integer(c.server.pubsub.count('pattern')),
    },
    {
      name: 'pubsub|shardchannels', arity: -2, flags: [...INTROSPECT], acl: ['pubsub', 'slow'],
      run(c, argv) {
        if (atMostPattern(c, argv)) replyNames(c, 'shard', argv);
      },
    },
    {
      name: 'pubsub|shardnumsub', arity: -2, flags: [...INTROSPECT], acl: ['pubsub', 'slow'],
      run(c, argv) {
        replyCounts(c, 'shard', argv);
      },
    },
    {
      name: 'pubsub|help', arity: 2, flags: ['loading', 'stale'], acl: ['slow'],
      run(c) {
        replyHelp(c, 'PUBSUB', HELP);
      },
    },
  ]),
];
