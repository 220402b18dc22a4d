// Connection commands: PING ECHO SELECT AUTH HELLO QUIT RESET.
import { REDIS_VERSION } from '../version.js';
import { int32Arg, intArg, is } from './args.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';
import { setClientName } from './client-cmd.js';

export const connectionCommands: CommandSpec[] = [
  {
    name: 'ping', arity: -1, flags: ['fast'], acl: ['fast', 'connection'],
    run(c, argv) {
      if (argv.length > 2) {
        c.reply.error(ERR.arity('ping'));
      } else if (c.inPubSub && !c.reply.resp3) {
        // A subscribed client gets its pong in the shape of a message.
        c.reply.array(2);
        c.reply.bulk('pong');
        c.reply.bulk(argv[1] ?? '');
      } else if (argv.length === 2) c.reply.bulk(argv[1]!);
      else c.reply.simple('PONG');
    },
  },
  {
    name: 'echo', arity: 2, flags: ['loading', 'stale', 'fast'], acl: ['fast', 'connection'],
    run(c, argv) {
      c.reply.bulk(argv[1]!);
    },
  },
  {
    name: 'select', arity: 2, flags: ['loading', 'stale', 'fast'], acl: ['fast', 'connection'],
    run(c, argv) {
      // selectCommand: getIntFromObjectOrReply
      const id = int32Arg(c, argv[1]!);
      if (id === null) return;
      const db = c.server.keyspace.dbs[id];
      if (db === undefined) return c.reply.error(ERR.dbIndexOutOfRange);
      c.db = db;
      c.reply.ok();
    },
  },
  {
    name: 'auth', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    acl: ['fast', 'connection'],
    run(c, argv) {
      if (argv.length > 3) return c.reply.error(ERR.syntax);
      if (argv.length === 2 && c.server.acl.defaultUser.flags.nopass) {
        return c.reply.error('ERR AUTH <password> called without any password configured for the default user. ' +
          'Are you sure your configuration is correct?');
      }
      const [user, pass] = argv.length === 3 ? [argv[1]!, argv[2]!] : ['default', argv[1]!];
      if (c.server.acl.authenticate(c, user, pass, argv[0]!)) c.reply.ok();
      else c.reply.error(ERR.wrongPass);
    },
  },
  {
    name: 'hello', arity: -1, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    acl: ['fast', 'connection'],
    run(c, argv) {
      let i = 1;
      let proto = c.reply.resp3 ? 3 : 2;
      if (argv.length > 1) {
        const ver = intArg(c, argv[1]!, 'ERR Protocol version is not an integer or out of range');
        if (ver === null) return;
        if (ver !== 2 && ver !== 3) return c.reply.error('NOPROTO unsupported protocol version');
        proto = ver;
        i = 2;
      }
      for (; i < argv.length; i++) {
        if (is(argv[i], 'AUTH') && i + 2 < argv.length) {
          if (!c.server.acl.authenticate(c, argv[i + 1]!, argv[i + 2]!, argv[0]!)) return c.reply.error(ERR.wrongPass);
          i += 2;
        } else if (is(argv[i], 'SETNAME') && i + 1 < argv.length) {
          if (!setClientName(c, argv[++i]!)) return;
        } else {
          return c.reply.error(`ERR Syntax error in HELLO option '${argv[i]}'`);
        }
      }
      if (!c.authenticated) return c.reply.error(ERR.noAuth);
      const role = c.server.isReplica ? 'replica' : 'master';
      c.reply.resp3 = proto === 3;
      c.reply.map(7);
      c.reply.bulk('server'); c.reply.bulk('redis');
      c.reply.bulk('version'); c.reply.bulk(REDIS_VERSION);
      c.reply.bulk('proto'); c.reply.integer(proto);
      c.reply.bulk('id'); c.reply.integer(c.id);
      c.reply.bulk('mode'); c.reply.bulk('standalone');
      c.reply.bulk('role'); c.reply.bulk(role);
      c.reply.bulk('modules'); c.reply.emptyArray();
    },
  },
  {
    name: 'quit', arity: -1, flags: ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'],
    acl: ['fast', 'connection'],
    run(c) {
      c.reply.ok();
      c.closeAfterReply = true;
    },
  },
  {
    // resetCommand (clearClientConnectionState): the connection as it was when it opened.
    name: 'reset', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
    acl: ['fast', 'connection'],
    run(c) {
      c.multi = null;
      c.unwatchAll();
      c.db = c.server.keyspace.dbs[0]!;
      c.name = '';
      c.server.pubsub.forget(c);
      c.server.tracking.disable(c);
      c.replyOff = false;
      c.replySkipNext = false;
      c.reply.silence(c.replySkip);
      c.reply.resp3 = false;
      c.server.acl.defaultAuth(c);
      c.reply.simple('RESET');
    },
  },
];
