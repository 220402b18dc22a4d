// A worker thread that sends PING every `everyMs` on its own connection and
// times each reply, so that the bench's own event loop (write load, memory
// sampling) cannot delay the pings. Times are process.hrtime in ms, which
// the main thread shares. Plain JavaScript: it runs under node and vitest alike.
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

const { port, everyMs } = workerData;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const PING = '*1\r\n$4\r\nPING\r\n';
const sentAt = [];
const latencies = [];
let timer;

const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
socket.on('connect', () => {
  timer = setInterval(() => {
    sentAt.push(now());
    socket.write(PING);
  }, everyMs);
  parentPort.postMessage({ type: 'ready' });
});
socket.on('data', (chunk) => {
  const t = now();
  // every reply to PING is one line (+PONG or -ERR ...): one per newline
  for (const byte of chunk) if (byte === 10) latencies.push(t - sentAt[latencies.length]);
});
socket.on('error', (err) => parentPort.postMessage({ type: 'error', message: err.message }));

parentPort.on('message', async (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  for (let waited = 0; latencies.length < sentAt.length && waited < 2000; waited += 10) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const t = now(); // unanswered pings count with what they have waited so far
  for (let i = latencies.length; i < sentAt.length; i++) latencies.push(t - sentAt[i]);
  socket.destroy();
  parentPort.postMessage({ type: 'done', sentAt, latencies });
});
