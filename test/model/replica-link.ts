// The driver of the replica-link model: a path runs against the REAL replica-link actor of an in-process
// redstate, over loopback sockets, with the scripted fake master as the peer. Each model event
// becomes an action of the fake master (a reply line, a payload, garbage, a close), of the server
// (REPLICAOF NO ONE) or of the clock (a TICK through the actor's test hook; time never passes by
// sleeping). After each event the real actor must be in the state the model reached, INFO must
// agree, and the fake master must have received the command that state sends.
import { renameSync } from 'node:fs';
import { expect } from 'vitest';
import { createActor } from 'xstate';
import type { ReplicaLinkEvent, ReplicaLinkInput } from '../../src/machines/replica-link.js';
import { FakeMaster, rdbOf, type FakeLink } from '../helpers/fake-master.js';
import { info, waitFor } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedstate } from '../helpers/servers.js';
import type { ModelPath } from './coverage.js';
import { REPL_TIMEOUT_MS, replicaLinkModel } from './models.js';

type Path = Pick<ModelPath<ReplicaLinkInput, ReplicaLinkEvent>, 'input' | 'events' | 'values'>;
const key = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const GOOD_RDB = rdbOf({ model: 'loaded' });
const PASS = 'model-secret';
const ANNOUNCED_IP = '10.9.8.7';

/**
 * Can the real system produce event e while the model is in state `at`? `atOnce`: the model
 * is connecting because the link connected again at once (reconnectNow), not at a tick: that
 * connect is under way already, so it can only succeed (the fake master is listening).
 */
export function linkDriveable(at: string, e: ReplicaLinkEvent, rest: ReplicaLinkEvent[], atOnce = false): boolean {
  const [next, after] = rest;
  const ends = (x: ReplicaLinkEvent | undefined): boolean => x?.type === 'LOADED' || x?.type === 'FAILED';
  if (at === 'connecting' && atOnce) return e.type === 'SOCKET_UP';
  switch (e.type) {
    // A load spans turns of the event loop: the clock ticks once, as it begins (then it ends on its own).
    case 'TICK': return at !== '{"transfer":"loading"}' || ends(next);
    case 'SOCKET_UP': return at === 'connecting';
    // No socket is open in connect.
    case 'SOCKET_CLOSED': return at !== '{"transfer":"loading"}' && at !== 'connect';
    case 'REPLY': return at === 'receivePong' || at.startsWith('{"handshake"') || at === '{"transfer":"bulkHeader"}';
    // The payload's bytes decide LOADED or FAILED, so the two come as one step after it.
    case 'PAYLOAD_RECEIVED': return at === '{"transfer":"receiving"}' && (ends(next) || (next?.type === 'TICK' && ends(after)));
    case 'LOADED': return at === '{"transfer":"loading"}';
    // Before the payload: the temp file could not be made (the driver takes the dir away).
    case 'FAILED': return at === '{"transfer":"loading"}' || at === '{"transfer":"bulkHeader"}';
    case 'STREAM_ERROR': return at === 'connected';
    // REPLICAOF NO ONE goes over a client socket: the link must be waiting on its peer meanwhile.
    case 'STOP': return at !== 'connecting' && at !== '{"transfer":"loading"}';
  }
}

export function linkPathDriveable(p: { events: ReplicaLinkEvent[]; values: unknown[] }): boolean {
  return p.events.every((e, i) => linkDriveable(key(i === 0 ? 'connect' : p.values[i - 1]), e, p.events.slice(i + 1), connectedAtOnce(p, i - 1)));
}

/** After the path's event i, is the model connecting because the link connected again at once? */
function connectedAtOnce(p: { events: ReplicaLinkEvent[]; values: unknown[] }, i: number): boolean {
  let atOnce = false;
  for (let j = 0; j <= i; j++) {
    const from = key(j === 0 ? 'connect' : p.values[j - 1]);
    if (key(p.values[j]) !== 'connecting') atOnce = false;
    // A tick in connect starts the attempt the cron way; any other way into connecting, or a
    // timeout while connecting, is reconnectNow.
    else if (from !== 'connecting') atOnce = from !== 'connect';
    else if (p.events[j]!.type === 'TICK' && (p.events[j] as { now: number }).now > 1000) atOnce = true;
  }
  return atOnce;
}

/** The good payload with its CRC64's last byte flipped: an RDB that fails its checksum. */
const BAD_CRC = Buffer.from(GOOD_RDB);
BAD_CRC[BAD_CRC.length - 1]! ^= 0xff;

/**
 * Runs one model path against a fresh in-process replica and a fresh fake master. Variant 1
 * sends a payload a byte at a time, and a failing one as an RDB with a bad checksum (variant 0:
 * whole, and garbage).
 */
export async function runLinkPath(p: Path, variant = 0): Promise<void> {
  const fm = await FakeMaster.start();
  const r = await startRedstate({
    ...(p.input.auth ? { masterauth: PASS } : {}),
    ...(p.input.announceIp ? { 'replica-announce-ip': ANNOUNCED_IP } : {}),
  });
  const c = await RespClient.connect(r.port);
  /** Where the replica's dir is while the driver has taken it away, or null. */
  let away: string | null = null;
  try {
    r.server.manualReplicaTicks = true;
    expect(await c.call('REPLICAOF', '127.0.0.1', String(fm.port))).toBe('OK');
    const link = r.server.replicaLink!;
    const real = (): string => key(link.actor.getSnapshot().value);
    expect(real()).toBe('connect');
    // What REPLICAOF offered for the first PSYNC (this server's own history, as Redis 7.0 offers it).
    const input = { ...p.input, cached: link.actor.getSnapshot().context.cached };
    let peer: FakeLink | null = null;
    let payload: { body: Buffer; mark: string } | null = null;
    /** The state the actor was in after a tick sent as its load began. */
    let tickedIn = '';
    for (let i = 0; i < p.events.length; i++) {
      const e = p.events[i]!;
      const at = key(i === 0 ? 'connect' : p.values[i - 1]);
      const want = key(p.values[i]);
      const step = `step ${i} (${JSON.stringify(e)} in ${at})`;
      switch (e.type) {
        case 'TICK':
          if (at === '{"transfer":"loading"}') continue; // ticked as the load began: checked at the next step
          // A connect that the next event refuses: the fake master stops listening first.
          // (Ticks that leave it connecting may come between: the connect is still under way then.)
          if (at === 'connect' && p.events.slice(i + 1).find((x) => !(x.type === 'TICK' && x.now <= 1000))?.type === 'SOCKET_CLOSED') await fm.refuse();
          link.tick(e.now > 1000 ? Date.now() + REPL_TIMEOUT_MS + 1000 : Date.now());
          break;
        case 'SOCKET_UP':
          break;
        case 'SOCKET_CLOSED':
          if (at === 'connecting') {
            await waitFor(`${step}: the refused connect`, () => real() === want, 10_000);
            await fm.listen();
          } else {
            peer!.destroy();
          }
          break;
        case 'REPLY':
          if (want === '{"transfer":"bulkHeader"}' && p.events[i + 1]?.type === 'FAILED') {
            // The temp file is made as the transfer begins: with no dir it fails, and the real
            // actor does not rest in bulkHeader (checked at the FAILED step).
            away = `${r.dir}.away`;
            renameSync(r.dir, away);
            peer!.send(`${e.line}\r\n`);
            continue;
          }
          if (at === '{"transfer":"bulkHeader"}' && e.line.startsWith('$')) {
            // The header the model names, for a payload whose bytes load or fail as the path says.
            const fails = p.events.slice(i).some((x) => x.type === 'FAILED');
            const body = fails ? (variant === 1 ? BAD_CRC : Buffer.from('not an rdb payload', 'latin1')) : GOOD_RDB;
            const mark = e.line.startsWith('$EOF:') ? e.line.slice(5) : '';
            payload = { body, mark };
            peer!.send(mark === '' ? `$${body.length}\r\n` : `$EOF:${mark}\r\n`);
          } else {
            peer!.send(`${e.line}\r\n`);
          }
          break;
        case 'PAYLOAD_RECEIVED':
          if (p.events[i + 1]?.type === 'TICK') {
            // The clock ticks the moment the load begins, while it runs.
            const sub = link.actor.subscribe((s) => {
              if (key(s.value) !== '{"transfer":"loading"}') return;
              sub.unsubscribe();
              link.tick(Date.now());
              tickedIn = key(link.actor.getSnapshot().value);
            });
          }
          {
            const bytes = Buffer.concat([payload!.body, Buffer.from(payload!.mark, 'latin1')]);
            if (variant === 0) {
              peer!.send(bytes);
            } else {
              for (let b = 0; b < bytes.length; b++) {
                peer!.send(bytes.subarray(b, b + 1));
                await new Promise((res) => setImmediate(res));
              }
            }
          }
          continue; // loading is left on the real actor's own LOADED/FAILED: checked at the next step
        case 'LOADED': case 'FAILED':
          if (away !== null) {
            await waitFor(`${step}: the actor in ${want} (it is in ${real()})`, () => real() === want, 10_000);
            renameSync(away, r.dir);
            away = null;
          }
          if (p.events[i - 1]?.type === 'TICK') {
            await waitFor(`${step}: the load began`, () => tickedIn !== '', 10_000);
            expect(tickedIn, `${step}: the tick came during the load`).toBe('{"transfer":"loading"}');
          }
          break;
        case 'STREAM_ERROR':
          peer!.send('*1\r\n$abc\r\n');
          break;
        case 'STOP':
          expect(await c.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
          break;
      }
      if (want === 'connecting') {
        // The connect completes on its own: the state is seen before the event loop turns. A
        // link that connects again at once after its peer did something is seen connecting or,
        // once connected, waiting for the PONG; no tick came meanwhile (the clock is the test's).
        if (e.type === 'TICK') expect(real(), step).toBe('connecting');
        else await waitFor(`${step}: connecting again at once (it is in ${real()})`, () => real() === 'connecting' || real() === 'receivePong', 10_000);
        continue;
      }
      if (want === 'stopped') {
        expect(link.actor.getSnapshot().status, step).toBe('done');
        expect(r.server.replicaLink).toBeNull();
        expect((await info(c)).get('role')).toBe('master');
        // A promoted replica keeps the dataset its last load gave it, and now takes writes.
        const lastLoad = p.events.slice(0, i).filter((x) => x.type === 'LOADED' || x.type === 'FAILED').pop();
        expect(await c.call('GET', 'model'), step).toBe(lastLoad?.type === 'LOADED' ? 'loaded' : null);
        expect(await c.call('SET', 'model', 'written'), step).toBe('OK');
        continue;
      }
      // Redis 7.0's rule, apart from the model: a link whose socket closes starts over, at the next
      // tick during the handshake (syncWithMaster's error path), at once during the transfer
      // (cancelReplicationHandshake(1)) or once connected (replicationHandleMasterDisconnection).
      if (e.type === 'SOCKET_CLOSED') {
        const atOnce = at === 'connected' || at.startsWith('{"transfer"');
        expect(want, `${step}: a closed link starts over ${atOnce ? 'at once' : 'at the next tick'}`).toBe(atOnce ? 'connecting' : 'connect');
      }
      await waitFor(`${step}: the actor in ${want} (it is in ${real()})`, () => real() === want, 10_000);
      if (want !== at || e.type === 'SOCKET_UP') {
        peer = await entered(want, at, e, { ...p, input }, i, fm, peer);
        const fields = await info(c);
        expect(fields.get('role'), step).toBe('slave');
        expect(fields.get('master_link_status'), step).toBe(want === 'connected' ? 'up' : 'down');
        expect(fields.get('master_sync_in_progress'), step).toBe(want.startsWith('{"transfer"') ? '1' : '0');
        if (want === 'connected' && e.type === 'LOADED') expect(await c.call('GET', 'model')).toBe('loaded');
        if (e.type === 'FAILED' && at === '{"transfer":"loading"}') expect(await c.call('EXISTS', 'model')).toBe(0);
      }
      if (e.type === 'TICK' && at === 'connected' && want === 'connected') {
        expect((await peer!.next()).slice(0, 2), step).toEqual(['REPLCONF', 'ACK']);
      }
    }
  } finally {
    if (away !== null) renameSync(away, r.dir);
    c.close();
    await r.close();
    await fm.close();
  }
}

/** What the fake master must have received as the replica entered a state; returns the link in use. */
async function entered(want: string, at: string, e: ReplicaLinkEvent, p: Path, i: number, fm: FakeMaster, peer: FakeLink | null): Promise<FakeLink | null> {
  const cmd = async (l: FakeLink): Promise<string[]> => l.next();
  switch (want) {
    case 'receivePong':
      // A connection the replica gave up on (timed out) may be accepted too: it never sends PING.
      for (;;) {
        const l = await fm.accept();
        try {
          expect(await cmd(l)).toEqual(['PING']);
          return l;
        } catch (err) {
          if (!String(err).includes('closed')) throw err;
        }
      }
    case '{"handshake":"auth"}':
    case '{"handshake":"port"}':
    case '{"handshake":"ip"}':
    case '{"handshake":"capa"}':
      // The handshake is pipelined, as Redis 7.0's: all of it is in before the master answers any of it.
      if (at === 'receivePong') {
        const block = [
          ...(p.input.auth ? [['AUTH', PASS]] : []),
          ['REPLCONF', 'listening-port'],
          ...(p.input.announceIp ? [['REPLCONF', 'ip-address', ANNOUNCED_IP]] : []),
          ['REPLCONF', 'capa', 'eof', 'capa', 'psync2'],
        ];
        for (const want of block) expect((await cmd(peer!)).slice(0, want.length)).toEqual(want);
      }
      return peer;
    case '{"handshake":"psync"}': {
      const cached = cachedAt(p, i);
      expect(await cmd(peer!)).toEqual(cached === null ? ['PSYNC', '?', '-1'] : ['PSYNC', cached.replid, String(cached.offset + 1)]);
      return peer;
    }
    case '{"transfer":"bulkHeader"}':
      if (at === '{"handshake":"psync"}' && e.type === 'REPLY' && !e.line.startsWith('+FULLRESYNC')) expect(await cmd(peer!)).toEqual(['SYNC']);
      return peer;
    default:
      return peer;
  }
}

/** The cached master the machine alone holds after the path's first i + 1 events. */
function cachedAt(p: Path, i: number): { replid: string; offset: number } | null {
  const a = createActor(replicaLinkModel.machine, { input: p.input }).start();
  for (const e of p.events.slice(0, i + 1)) a.send(e);
  const cached = a.getSnapshot().context.cached as { replid: string; offset: number } | null;
  a.stop();
  return cached;
}

