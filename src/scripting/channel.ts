// The wire between the main thread and the scripting worker: messages travel over a
// MessagePort, read synchronously on either side with receiveMessageOnPort, and a shared
// Int32Array carries the wake-ups (Atomics.wait/notify) and the kill flag. Both sides block
// in Atomics.wait instead of the event loop, which is what lets redis.call be synchronous
// inside a script while the main thread runs the command (engine.ts's design note).
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** Slots of the shared Int32Array. */
export const TO_WORKER = 0;
export const TO_MAIN = 1;
/** Set by SCRIPT KILL / FUNCTION KILL; the worker's count hook reads it. */
export const KILL = 2;
/** Set by the worker once its VM is ready. */
export const READY = 3;
export const SLOTS = 4;

/**
 * Jobs the main thread gives the worker, and its answers to a running script's requests.
 * resp3: the caller's protocol (HELLO 3), which the script's reply takes; on a call, the
 * protocol the script asked for with redis.setresp.
 */
export type ToWorker =
  | { op: 'eval'; sha: string; body: string; keys: string[]; args: string[]; resp3: boolean }
  | { op: 'compile'; sha: string; body: string }
  | { op: 'flush' }
  | { op: 'fload'; library: string; code: string }
  | { op: 'fdelete'; library: string }
  | { op: 'fflush' }
  | { op: 'fcall'; name: string; keys: string[]; args: string[]; resp3: boolean }
  | { op: 'reply'; reply: Uint8Array };

/** A function a library registered, as FUNCTION LIST describes it. */
export interface FunctionInfo {
  name: string;
  description: string | null;
  flags: string[];
}

/** What the worker sends: a script's requests while it runs, and each job's end. */
export type ToMain =
  | { op: 'call'; argv: string[]; resp3: boolean }
  | { op: 'log'; level: number; msg: string }
  | { op: 'repl'; flags: number }
  | { op: 'done'; reply: Uint8Array; memory: number; functions?: FunctionInfo[] | undefined };

/** Posts a message and wakes the other side, which waits on slot. */
export function send(port: MessagePort, sig: Int32Array, slot: number, msg: ToWorker | ToMain): void {
  port.postMessage(msg);
  Atomics.add(sig, slot, 1);
  Atomics.notify(sig, slot);
}

/** Looks at slot this many times before sleeping on it. */
const SPINS = 4000;

/**
 * Atomics.wait on slot while it holds seen, after a short spin: the other side usually answers
 * within microseconds (a redis.call, a short script), and a sleeping thread takes much longer
 * to be woken than that, three times per EVAL.
 */
export function waitFor(sig: Int32Array, slot: number, seen: number, timeoutMs?: number): void {
  for (let i = 0; i < SPINS; i++) if (Atomics.load(sig, slot) !== seen) return;
  Atomics.wait(sig, slot, seen, timeoutMs);
}

/**
 * The next message on port, waiting on slot for up to timeoutMs (Infinity: for ever); null
 * when none came in time. The slot is read before the port is looked at, so a message posted
 * in between changes the slot and the wait returns at once.
 */
export function receive<T>(port: MessagePort, sig: Int32Array, slot: number, timeoutMs: number): T | null {
  const deadline = timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
  for (;;) {
    const seen = Atomics.load(sig, slot);
    const r = receiveMessageOnPort(port);
    if (r !== undefined) return r.message as T;
    const left = deadline - performance.now();
    if (left <= 0) return null;
    waitFor(sig, slot, seen, left === Infinity ? undefined : left);
  }
}
