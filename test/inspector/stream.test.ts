// The inspection stream: what a server's actors do reaches a page in @statelyai/inspect's
// protocol, as its own WebSocket receiver accepts it; commands produce no events.
import { createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { freePort, startRedstate, type InProcess } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp-client.js';
import { info } from '../helpers/replication.js';
import { sampleMachine } from './sample-machine.js';
import { TestPage, until, wireId, type Frame } from './pages.js';

let srv: InProcess;
let port: number;

beforeAll(async () => {
  srv = await startRedstate({ 'inspect-port': '0' });
  port = srv.server.inspectorEndpoint!.port;
});
afterAll(async () => srv.close());

describe('inspection stream', () => {
  it('is off without --inspect-port: inspect() gives no observer', async () => {
    const plain = await startRedstate();
    expect(plain.server.inspector.inspect({ role: 'x', label: 'y' })).toBeUndefined();
    expect(plain.server.inspectorEndpoint).toBeNull();
    await plain.close();
  });

  it("is accepted by @statelyai/inspect's WebSocket receiver: actor with its definition, events, snapshots", async () => {
    const received: StatelyInspectionEvent[] = [];
    const receiver = createWebSocketReceiver({ server: `ws://127.0.0.1:${port}` });
    receiver.subscribe((e) => received.push(e));
    // The receiver subscribes to frames once its socket opens: wait until the server counts the page.
    await until(() => srv.server.inspectorEndpoint!.pageCount === 1, 'the receiver to connect');

    const actor = createActor(sampleMachine, { inspect: srv.server.inspector.inspect({ role: 'replica-link', label: 'master 127.0.0.1:6379' }) });
    actor.start();
    const id = await until(() => wireId(received as unknown as Frame[], 'master 127.0.0.1:6379'), 'the actor');
    const announced = received.find((e) => e.type === '@xstate.actor' && e.sessionId === id)!;
    expect(announced.type === '@xstate.actor' && JSON.parse(announced.definition!)).toEqual(JSON.parse(JSON.stringify(sampleMachine.toJSON())));
    expect(announced).toMatchObject({ rootId: id, name: 'sample-link', redstate: { role: 'replica-link', label: 'master 127.0.0.1:6379' } });

    actor.send({ type: 'TICK' });
    actor.send({ type: 'SOCKET_UP' });
    actor.send({ type: 'PONG' });
    const snap = await until(() => received.find((e) => e.type === '@xstate.snapshot' && e.sessionId === id
      && JSON.stringify((e.snapshot as unknown as { value: unknown }).value) === '{"handshake":"psync"}'), 'the handshake.psync snapshot');
    expect(snap).toMatchObject({ event: { type: 'PONG' }, snapshot: { status: 'active', context: { host: '127.0.0.1', port: 6379 } } });
    const events = received.filter((e) => e.type === '@xstate.event' && e.sessionId === id).map((e) => (e as { event: { type: string } }).event.type);
    expect(events).toEqual(['xstate.init', 'TICK', 'SOCKET_UP', 'PONG']);
    for (const e of received) {
      expect(e).toMatchObject({ rootId: expect.any(String), sessionId: expect.any(String), createdAt: expect.stringMatching(/^\d+$/), id: expect.any(String), _version: expect.any(String) });
    }
    expect(new Set(received.map((e) => e.id)).size).toBe(received.length);

    actor.stop();
    await until(() => received.find((e) => e.type === '@xstate.snapshot' && e.sessionId === id
      && (e.snapshot as unknown as { status: string }).status === 'stopped'), 'the stopped snapshot');
  });

  it('brings a page that joins late up to date, ended actors included', async () => {
    const live = createActor(sampleMachine, { inspect: srv.server.inspector.inspect({ role: 'replica-link', label: 'live' }) }).start();
    live.send({ type: 'TICK' });
    const ended = createActor(sampleMachine, { inspect: srv.server.inspector.inspect({ role: 'replica-client', label: 'gone' }) }).start();
    ended.stop();
    const page = await TestPage.open(port);
    const actorOf = (label: string) => page.frames.find((f) => f.type === '@xstate.actor' && f.sessionId === wireId(page.frames, label));
    const a = await until(() => actorOf('live'), 'the live actor');
    expect(a).toMatchObject({ snapshot: { value: 'connecting', status: 'active' }, redstate: { endedAt: null } });
    const b = await until(() => actorOf('gone'), 'the ended actor');
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(b).toMatchObject({ snapshot: { status: 'stopped' }, redstate: { endedAt: expect.any(Number) } });
    live.stop();
    page.close();
  });

  it('follows an actor registered after it was created, and answers CONFIG GET inspect-*', async () => {
    const page = await TestPage.open(port);
    const actor = createActor(sampleMachine).start();
    srv.server.inspector.register(actor, { role: 'replica-link', label: 'late' });
    actor.send({ type: 'TICK' });
    const id = await until(() => wireId(page.frames, 'late'), 'the registered actor');
    await until(() => page.frames.some((f) => f.sessionId === id && f.type === '@xstate.snapshot'
      && (f.snapshot as { value: unknown }).value === 'connecting'), 'its snapshot');
    actor.stop();
    page.close();
    const c = await RespClient.connect(srv.port);
    expect(await c.call('CONFIG', 'GET', 'inspect-*')).toEqual(['inspect-bind', '127.0.0.1', 'inspect-port', '0']);
    expect(String(await c.call('CONFIG', 'SET', 'inspect-port', '1'))).toContain("can't set immutable config");
    // Set to what it is, it is no change (as a tool setting back `CONFIG GET *` does).
    expect(await c.call('CONFIG', 'SET', 'inspect-port', '0', 'inspect-bind', '127.0.0.1')).toBe('OK');
    c.close();
  });

  it('folds repeated timer events and keeps only the latest snapshot of a batch', async () => {
    const page = await TestPage.open(port);
    const actor = createActor(sampleMachine, { inspect: srv.server.inspector.inspect({ role: 'replica-link', label: 'ticks' }) }).start();
    actor.send({ type: 'TICK' });
    actor.send({ type: 'SOCKET_UP' });
    actor.send({ type: 'FULLRESYNC', total: 1000 });
    for (let i = 0; i < 500; i++) actor.send({ type: 'PROGRESS', bytes: 2 });
    actor.send({ type: 'LOADED', offset: 42 });
    const id = await until(() => wireId(page.frames, 'ticks'), 'the actor');
    const mine = () => page.frames.filter((f) => f.sessionId === id);
    await until(() => mine().some((f) => f.type === '@xstate.snapshot' && (f.snapshot as { value: unknown }).value === 'connected'), 'connected');
    const progress = mine().filter((f) => f.type === '@xstate.event' && (f.event as { type: string }).type === 'PROGRESS');
    expect(progress.reduce((n, f) => n + ((f.redstate as { repeat?: number } | undefined)?.repeat ?? 1), 0)).toBe(500);
    expect(progress.length).toBeLessThan(10);
    expect(mine().filter((f) => f.type === '@xstate.snapshot').length).toBeLessThan(50);
    actor.stop();
    page.close();
  });

  it("streams the server's own role: master, a replica after REPLICAOF, a master again with INFO's new replid", async () => {
    const page = await TestPage.open(port);
    const id = await until(() => wireId(page.frames, 'this server'), 'the role actor');
    expect(page.frames.find((f) => f.type === '@xstate.actor' && f.sessionId === id)).toMatchObject({
      name: 'serverRole', redstate: { role: 'role' }, snapshot: { value: 'master', context: { masterHost: '' } },
    });
    const latest = () => page.frames.filter((f) => f.sessionId === id && f.type === '@xstate.snapshot').at(-1)?.snapshot as
      { value: string; context: Record<string, unknown> } | undefined;
    const c = await RespClient.connect(srv.port);
    const nobody = await freePort();
    expect(await c.call('REPLICAOF', '127.0.0.1', String(nobody))).toBe('OK');
    await until(() => latest()?.value === 'replica' && latest()!.context.masterPort === nobody, 'the replica state');
    expect(latest()!.context.masterHost).toBe('127.0.0.1');
    expect(await c.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    const i = await info(c);
    await until(() => latest()?.value === 'master' && latest()!.context.replid === i.get('master_replid'), "the master state with INFO's replid");
    expect(latest()!.context).toMatchObject({
      masterHost: '', masterPort: 0, replid2: i.get('master_replid2'), masterReplOffset: Number(i.get('master_repl_offset')),
      secondReplOffset: Number(i.get('second_repl_offset')), backlogSize: Number(i.get('repl_backlog_size')),
      histlen: Number(i.get('repl_backlog_histlen')), connectedReplicas: 0,
    });
    c.close();
    page.close();
  });

  it('produces no events for command traffic', async () => {
    const actor = createActor(sampleMachine, { inspect: srv.server.inspector.inspect({ role: 'replica-link', label: 'quiet' }) }).start();
    const page = await TestPage.open(port);
    const id = await until(() => wireId(page.frames, 'quiet'), 'the join frames');
    const before = page.frames.length;
    const c = await RespClient.connect(srv.port);
    for (let i = 0; i < 2000; i++) void c.call('SET', `k${i}`, 'v');
    expect(await c.call('DBSIZE')).toBeGreaterThanOrEqual(2000);
    c.close();
    // A marker event after the commands: the first frame after the join is the marker's.
    actor.send({ type: 'TICK' });
    await until(() => page.frames.length > before, 'the marker');
    expect(page.frames[before]).toMatchObject({ type: '@xstate.event', event: { type: 'TICK' }, sessionId: id });
    actor.stop();
    page.close();
  });
});
