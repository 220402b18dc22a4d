// A worker thread that sends PING (or another command whose reply is one
// line) every `everyMs` on its own connection and times each reply, so that
// the bench's own event loop (write load, memory sampling) cannot delay the
// pings; with `keepReplies` it returns the reply lines too. Times are
// process.hrtime in ms, which the main thread shares. Plain JavaScript: it
// runs under node and vitest alike.
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

const { port, everyMs, command = ['PING'], keepReplies = false } = workerData;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const request = `*${command.length}\r\n${command.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
const sentAt = [];
const latencies = [];
const replies = [];
let partial = '';
let timer;

const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
socket.on('connect', () => {
  timer = setInterval(() => {
    sentAt.push(now());
    socket.write(request);
  }, everyMs);
  parentPort.postMessage({ type: 'ready' });
});
socket.on('data', (chunk) => {
  const t = now();
  // every reply is one line (+PONG, :1, -LOADING ...): one per newline
  if (keepReplies) {
    const lines = (partial + chunk.toString('latin1')).split('\r\n');
    partial = lines.pop();
    replies.push(...lines);
  }
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
  parentPort.postMessage({ type: 'done', sentAt, latencies, replies });
});
