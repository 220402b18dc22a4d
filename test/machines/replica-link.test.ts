// The replica-link machine driven by events alone: no socket, file or clock. The IO actions
// are recorded in order, so each test states what the actor would have done.
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createTestModel } from 'xstate/graph';
import { continueReplid, parseFullResync, replicaLinkMachine, type ReplicaLinkInput } from '../../src/machines/replica-link.js';

const ID = 'a'.repeat(40);
const IO_ACTIONS = [
  'openSocket', 'closeSocket', 'sendPing', 'sendHandshake', 'sendPsync', 'sendSync',
  'prepareTransfer', 'receivePayload', 'abortTransfer', 'loadPayload', 'finishSync', 'resurrectCachedMaster', 'sendAck', 'cacheMaster',
  'discardCachedMaster',
] as const;

function start(input: Partial<ReplicaLinkInput> = {}) {
  const done: string[] = [];
  const logs: string[] = [];
  const actions = Object.fromEntries(IO_ACTIONS.map((a) => [a, () => void done.push(a)]));
  const machine = replicaLinkMachine.provide({
    actions: { ...actions, log: (_: unknown, p: { msg: string }) => void logs.push(p.msg) },
  });
  const actor = createActor(machine, {
    input: { masterHost: '127.0.0.1', masterPort: 6379, auth: false, announceIp: false, replTimeoutMs: 60_000, cached: null, now: 0, ...input },
  }).start();
  const io = (now: number, offset = 0) => ({ now, lastIoAt: now, read: 0, transferStartedAt: 0, offset });
  return {
    actor, done, logs,
    state: () => actor.getSnapshot().value,
    ctx: () => actor.getSnapshot().context,
    tick: (now: number, lastIoAt = now, offset = 0, read = 0, transferStartedAt = 0) =>
      actor.send({ type: 'TICK', now, lastIoAt, read, transferStartedAt, offset }),
    reply: (line: string) => actor.send({ type: 'REPLY', line }),
    closed: (now: number, offset = 0) => actor.send({ type: 'SOCKET_CLOSED', reason: 'connection lost', ...io(now, offset) }),
  };
}

/** Up to the PSYNC reply. */
function handshake(t: ReturnType<typeof start>) {
  t.tick(1000);
  t.actor.send({ type: 'SOCKET_UP' });
  t.reply('+PONG');
  t.reply('+OK');
  t.reply('+OK');
}

describe('replica-link machine', () => {
  it('walks connect -> handshake -> full resync -> transfer -> connected', () => {
    const t = start();
    expect(t.state()).toBe('connect');
    handshake(t);
    expect(t.state()).toEqual({ handshake: 'psync' });
    expect(t.done).toEqual(['openSocket', 'sendPing', 'sendHandshake', 'sendPsync']);
    expect(t.logs.slice(0, 3)).toEqual(['Connecting to MASTER 127.0.0.1:6379', 'MASTER <-> REPLICA sync started', 'Non blocking connect for SYNC fired the event.']);
    t.reply(`+FULLRESYNC ${ID} 1234`);
    expect(t.state()).toEqual({ transfer: 'bulkHeader' });
    expect(t.ctx()).toMatchObject({ masterReplid: ID, initialOffset: 1234 });
    expect(t.logs).toContain(`Full resync from master: ${ID}:1234`);
    t.reply('$100');
    expect(t.ctx().transferSize).toBe(100);
    t.tick(1500, 1500, 0, 25, 1000);
    expect(t.ctx()).toMatchObject({ transferRead: 25, transferRate: 50, transferEta: 2 });
    t.actor.send({ type: 'PAYLOAD_RECEIVED', read: 100 });
    expect(t.state()).toEqual({ transfer: 'loading' });
    t.actor.send({ type: 'LOADED' });
    expect(t.state()).toBe('connected');
    expect(t.done.slice(4)).toEqual(['prepareTransfer', 'receivePayload', 'discardCachedMaster', 'loadPayload', 'finishSync']);
    expect(t.ctx().linkDownSince).toBe(0);
    t.tick(2000);
    expect(t.done.at(-1)).toBe('sendAck');
  });

  it('sends AUTH only with masterauth, and a refused AUTH goes back to connect', () => {
    const t = start({ auth: true });
    t.tick(0);
    t.actor.send({ type: 'SOCKET_UP' });
    t.reply('-NOAUTH Authentication required.');
    expect(t.state()).toEqual({ handshake: 'auth' });
    t.reply('-WRONGPASS invalid username-password pair or user is disabled.');
    expect(t.state()).toBe('connect');
    expect(t.done).toEqual(['openSocket', 'sendPing', 'sendHandshake', 'closeSocket']);
    expect(t.logs.at(-1)).toMatch(/^Unable to AUTH to MASTER: -WRONGPASS/);
  });

  it('pipelines the handshake: one send, then the replies of AUTH, listening-port, ip-address and capa in order; PSYNC after capa\'s', () => {
    const t = start({ auth: true, announceIp: true });
    t.tick(0);
    t.actor.send({ type: 'SOCKET_UP' });
    t.reply('+PONG');
    expect(t.done).toEqual(['openSocket', 'sendPing', 'sendHandshake']);
    const states: unknown[] = [];
    for (const reply of ['+OK', '-ERR unknown option', '-ERR unknown option', '+OK']) {
      states.push(t.state());
      t.reply(reply);
    }
    expect(states).toEqual([{ handshake: 'auth' }, { handshake: 'port' }, { handshake: 'ip' }, { handshake: 'capa' }]);
    expect(t.state()).toEqual({ handshake: 'psync' });
    expect(t.done).toEqual(['openSocket', 'sendPing', 'sendHandshake', 'sendPsync']);
    expect(t.logs.filter((l) => l.startsWith('(Non critical)'))).toEqual([
      '(Non critical) Master does not understand REPLCONF listening-port: -ERR unknown option',
      '(Non critical) Master does not understand REPLCONF ip-address: -ERR unknown option',
    ]);
  });

  it('accepts the old "operation not permitted" PING reply and -NOPERM, and refuses any other error', () => {
    for (const reply of ['-ERR operation not permitted', "-NOPERM this user has no permissions to run the 'ping' command"]) {
      const t = start();
      t.tick(0);
      t.actor.send({ type: 'SOCKET_UP' });
      t.reply(reply);
      expect(t.state()).toEqual({ handshake: 'port' });
    }
    const u = start();
    u.tick(0);
    u.actor.send({ type: 'SOCKET_UP' });
    u.reply('garbage');
    expect(u.state()).toBe('connect');
    expect(u.logs.at(-1)).toBe("Error reply to PING from master: 'garbage'");
  });

  it('continues with +CONTINUE, adopting a new replid when one is given', () => {
    const t = start({ cached: { replid: ID, offset: 99 } });
    handshake(t);
    t.reply(`+CONTINUE ${'b'.repeat(40)}`);
    expect(t.state()).toBe('connected');
    expect(t.ctx()).toMatchObject({ masterReplid: 'b'.repeat(40), initialOffset: 99, cached: null });
    expect(t.done.at(-1)).toBe('resurrectCachedMaster');
    const u = start({ cached: { replid: ID, offset: 99 } });
    handshake(u);
    u.reply('+CONTINUE');
    expect(u.ctx().masterReplid).toBe(ID);
  });

  it('blanks the replid on a malformed +FULLRESYNC, retries later on -NOMASTERLINK/-LOADING, falls back to SYNC on errors', () => {
    const t = start();
    handshake(t);
    t.reply('+FULLRESYNC short 1');
    expect(t.state()).toEqual({ transfer: 'bulkHeader' });
    expect(t.ctx().masterReplid).toBe('');
    expect(t.logs).toContain('Master replied with wrong +FULLRESYNC syntax.');
    for (const err of ['-NOMASTERLINK Can\'t SYNC while not connected with my master', '-LOADING Redis is loading']) {
      const u = start();
      handshake(u);
      u.reply(err);
      expect(u.state()).toBe('connect');
    }
    for (const err of ['-ERR unknown command', '+WHATEVER']) {
      const v = start({ cached: { replid: ID, offset: 5 } });
      handshake(v);
      v.reply(err);
      expect(v.state()).toEqual({ transfer: 'bulkHeader' });
      expect(v.done.slice(-3)).toEqual(['sendPsync', 'sendSync', 'prepareTransfer']);
      // Kept until a new dataset is in (replicationAttachToNewMaster).
      expect(v.ctx().cached).toEqual({ replid: ID, offset: 5 });
    }
  });

  it('keeps the cached master through a full resync until the payload is in: a failed transfer offers it again', () => {
    const t = start({ cached: { replid: ID, offset: 41 } });
    handshake(t);
    t.reply(`+FULLRESYNC ${'b'.repeat(40)} 100`);
    t.reply('$5');
    t.closed(5000);
    expect(t.state()).toBe('connecting');
    expect(t.ctx().cached).toEqual({ replid: ID, offset: 41 });
    expect(t.done).not.toContain('discardCachedMaster');
    t.actor.send({ type: 'SOCKET_UP' });
    t.reply('+PONG');
    t.reply('+OK');
    t.reply('+OK');
    expect(t.done.at(-1)).toBe('sendPsync');
    t.reply(`+FULLRESYNC ${'b'.repeat(40)} 100`);
    t.reply('$5');
    t.actor.send({ type: 'PAYLOAD_RECEIVED', read: 5 });
    expect(t.ctx().cached).toBeNull();
    expect(t.done.slice(-2)).toEqual(['discardCachedMaster', 'loadPayload']);
  });

  it('reads the payload header: $EOF mark, keep-alive free errors, bad protocol (connecting again at once, as Redis 7.0 does)', () => {
    const t = start();
    handshake(t);
    t.reply(`+FULLRESYNC ${ID} 0`);
    t.reply(`$EOF:${'x'.repeat(40)}`);
    expect(t.ctx()).toMatchObject({ eofMark: 'x'.repeat(40), transferSize: -1 });
    for (const [line, log] of [['-ERR no', 'MASTER aborted replication with an error: ERR no'], ['+OK', "Bad protocol from MASTER, the first byte is not '$' (we received '+OK'), are you sure the host and port are right?"]]) {
      const u = start();
      handshake(u);
      u.reply(`+FULLRESYNC ${ID} 0`);
      u.reply(line!);
      expect(u.state()).toBe('connecting');
      expect(u.logs.slice(-3)).toEqual([log, 'Reconnecting to MASTER 127.0.0.1:6379 after failure', 'MASTER <-> REPLICA sync started']);
      expect(u.done.slice(-3)).toEqual(['abortTransfer', 'closeSocket', 'openSocket']);
    }
  });

  it('leaves a temp file it could not make to the next tick, and connects again at once after a failed load', () => {
    const t = start();
    handshake(t);
    t.reply(`+FULLRESYNC ${ID} 0`);
    t.actor.send({ type: 'FAILED', reason: 'Opening the temp file needed for MASTER <-> REPLICA synchronization: EACCES' });
    expect(t.state()).toBe('connect');
    expect(t.done.slice(-2)).toEqual(['abortTransfer', 'closeSocket']);
    handshake(t);
    t.reply(`+FULLRESYNC ${ID} 0`);
    t.reply('$5');
    t.actor.send({ type: 'PAYLOAD_RECEIVED', read: 5 });
    t.actor.send({ type: 'FAILED', reason: 'Failed trying to load the MASTER synchronization DB from disk' });
    expect(t.state()).toBe('connecting');
    expect(t.done.slice(-3)).toEqual(['abortTransfer', 'closeSocket', 'openSocket']);
    expect(t.logs.slice(-2)).toEqual(['Reconnecting to MASTER 127.0.0.1:6379 after failure', 'MASTER <-> REPLICA sync started']);
  });

  it('times out in each waiting state by ticks, connecting again at once, and caches the master when a connected link goes idle', () => {
    const t = start({ replTimeoutMs: 5000 });
    t.tick(0);
    // Whole seconds of the clock, as redis-server counts them: more than 5 have turned at 6000.
    t.tick(5999, 0);
    expect(t.state()).toBe('connecting');
    expect(t.done).toEqual(['openSocket']);
    t.tick(6000, 0);
    expect(t.state()).toBe('connecting');
    expect(t.done).toEqual(['openSocket', 'closeSocket', 'openSocket']);
    expect(t.logs.slice(-3)).toEqual(['Timeout connecting to the MASTER...', 'Reconnecting to MASTER 127.0.0.1:6379 after failure', 'MASTER <-> REPLICA sync started']);
    handshake(t);
    t.tick(20_000, 1000);
    expect(t.state()).toBe('connecting');
    handshake(t);
    t.reply(`+FULLRESYNC ${ID} 10`);
    t.reply('$5');
    t.tick(10_000, 1000);
    expect(t.state()).toBe('connecting');
    expect(t.done.slice(-3)).toEqual(['abortTransfer', 'closeSocket', 'openSocket']);
    handshake(t);
    t.reply(`+FULLRESYNC ${ID} 10`);
    t.reply('$5');
    t.actor.send({ type: 'PAYLOAD_RECEIVED', read: 5 });
    t.actor.send({ type: 'LOADED' });
    t.tick(3000, 2000, 42);
    expect(t.state()).toBe('connected');
    t.tick(8000, 2000, 50);
    expect(t.state()).toBe('connecting');
    expect(t.ctx().cached).toEqual({ replid: ID, offset: 50 });
    expect(t.logs.slice(-4)).toEqual(['MASTER timeout: no data nor PING received...', 'Connection with master lost.', 'Reconnecting to MASTER 127.0.0.1:6379', 'MASTER <-> REPLICA sync started']);
    expect(t.ctx().linkDownSince).toBe(8000);
  });

  it('caches the master on link loss, discards it on a stream error, and stops from any state', () => {
    const t = start();
    handshake(t);
    t.reply(`+FULLRESYNC ${ID} 10`);
    t.reply('$5');
    t.actor.send({ type: 'PAYLOAD_RECEIVED', read: 5 });
    t.actor.send({ type: 'LOADED' });
    t.closed(4000, 77);
    expect(t.ctx().cached).toEqual({ replid: ID, offset: 77 });
    // replicationHandleMasterDisconnection: the next attempt starts at once, not at the next tick.
    expect(t.state()).toBe('connecting');
    expect(t.done.slice(-3)).toEqual(['cacheMaster', 'closeSocket', 'openSocket']);
    expect(t.logs.slice(-3)).toEqual(['Connection with master lost.', 'Reconnecting to MASTER 127.0.0.1:6379', 'MASTER <-> REPLICA sync started']);
    handshake(t);
    t.reply('+CONTINUE');
    t.actor.send({ type: 'STREAM_ERROR', reason: 'bad bulk' });
    expect(t.state()).toBe('connecting');
    expect(t.ctx().cached).toBeNull();
    t.actor.send({ type: 'STOP' });
    expect(t.actor.getSnapshot().status).toBe('done');
  });

  it('parses +FULLRESYNC strictly and +CONTINUE with or without an id', () => {
    expect(parseFullResync(`+FULLRESYNC ${ID} 5`)).toEqual({ replid: ID, offset: 5 });
    expect(parseFullResync(`+FULLRESYNC ${ID}`)).toBeNull();
    expect(parseFullResync(`+FULLRESYNC ${ID}x 5`)).toBeNull();
    expect(continueReplid('+CONTINUE')).toBeNull();
    expect(continueReplid(`+CONTINUE ${ID}`)).toBe(ID);
  });

  it('serializes for an inspector', () => {
    const json = JSON.stringify(replicaLinkMachine.toJSON());
    for (const s of ['connect', 'connecting', 'receivePong', 'handshake', 'syncFallback', 'transfer', 'connected', 'stopped']) {
      expect(json).toContain(`"${s}"`);
    }
  });

  it('is walkable by xstate/graph: shortest paths reach every state', () => {
    const io = { lastIoAt: 0, read: 0, transferStartedAt: 0, offset: 0 };
    const events = [
      { type: 'TICK', now: 0, ...io }, { type: 'TICK', now: 120_000, ...io }, { type: 'SOCKET_UP' },
      { type: 'SOCKET_CLOSED', reason: 'lost', now: 0, ...io }, { type: 'REPLY', line: '+PONG' }, { type: 'REPLY', line: '+OK' },
      { type: 'REPLY', line: '-ERR x' }, { type: 'REPLY', line: `+FULLRESYNC ${ID} 0` }, { type: 'REPLY', line: '+CONTINUE' },
      { type: 'REPLY', line: '-LOADING' }, { type: 'REPLY', line: '$10' }, { type: 'REPLY', line: `$EOF:${ID}` },
      { type: 'PAYLOAD_RECEIVED', read: 10 }, { type: 'LOADED' }, { type: 'FAILED', reason: 'x' },
      { type: 'STREAM_ERROR', reason: 'x' }, { type: 'STOP' },
    ] as const;
    const model = createTestModel(replicaLinkMachine, { events: [...events] });
    const paths = model.getShortestPaths({
      input: { masterHost: 'h', masterPort: 1, auth: true, replTimeoutMs: 60_000, cached: { replid: ID, offset: 1 }, now: 0 },
      serializeState: (snap) => JSON.stringify([snap.value, snap.context.cached === null]),
    });
    // TestModel keeps the longest of paths that share a prefix: every step's state was reached.
    const reached = new Set(paths.flatMap((p) => p.steps.map((step) => JSON.stringify(step.state.value))));
    for (const v of ['"connect"', '"connecting"', '"receivePong"', '{"handshake":"auth"}', '{"handshake":"port"}', '{"handshake":"capa"}',
      '{"handshake":"psync"}', '{"transfer":"bulkHeader"}', '{"transfer":"receiving"}', '{"transfer":"loading"}', '"connected"', '"stopped"']) {
      expect(reached).toContain(v);
    }
  });
});
