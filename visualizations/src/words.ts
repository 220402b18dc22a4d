// An actor's context in plain words (offsets with separators, sizes in MB, times as "3 s
// ago", replids shortened) and the transfer progress read from it (bytes, rate, ETA).

export interface Field {
  key: string;
  label: string;
  text: string;
  title?: string;
}

/** Fields first in this order when present; the rest follow alphabetically. */
const FIRST = ['role', 'name', 'host', 'port', 'masterHost', 'masterPort', 'replicaAddr', 'listeningPort', 'replid', 'masterReplid', 'replid2',
  'offset', 'masterReplOffset', 'replOffset', 'ackOffset', 'lastAck', 'lastAckAt', 'lag'];

const WORDS: Record<string, string> = {
  replid: 'replication id', replid2: 'previous replication id', masterReplid: "master's replication id",
  offset: 'offset', masterReplOffset: 'master repl offset', ackOffset: 'acknowledged offset', lastAckAt: 'last ACK',
  lastInteraction: 'last heard from master', histlen: 'backlog history', backlogSize: 'backlog size', obufBytes: 'output buffer',
  rdbSize: 'RDB size', transferSize: 'RDB size', transferRead: 'RDB received', transferRate: 'transfer rate', transferEta: 'time left', initialOffset: 'offset at full sync',
  linkDownSince: 'link down since', lastIoAt: 'last I/O', lastError: 'last error', ackTime: 'last ACK', replTimeoutMs: 'repl-timeout',
  timeoutMs: 'repl-timeout', read: 'bytes read', now: 'clock',
};

/** camelCase and snake_case to words: "masterReplOffset" -> "master repl offset". */
export function humanize(key: string): string {
  return WORDS[key] ?? key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/\b(Id|Rdb|Eof)\b/g, (m) => m.toUpperCase()).toLowerCase()
    .replace(/\brdb\b/g, 'RDB').replace(/\beof\b/g, 'EOF').replace(/\back\b/g, 'ACK');
}

export const thousands = (n: number): string => Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export function bytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${thousands(v)} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

export function ago(ms: number, now: number): string {
  const d = Math.max(0, now - ms);
  if (d < 1000) return `${d} ms ago`;
  if (d < 120_000) return `${(d / 1000).toFixed(d < 10_000 ? 1 : 0)} s ago`;
  return `${Math.round(d / 60_000)} min ago`;
}

export function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

const BYTES_KEY = /(bytes|size|buf|buffer|histlen|memory|^read|Read)$/i;
const TIME_KEY = /(At|Time|time|Since|since|Interaction|^now)$/;

function valueText(key: string, v: unknown, now: number): { text: string; title?: string } {
  if (v === null || v === undefined || v === '') return { text: '—' };
  if (typeof v === 'boolean') return { text: v ? 'yes' : 'no' };
  if (typeof v === 'number') {
    if (/port$/i.test(key)) return { text: String(v) };
    if (TIME_KEY.test(key) && v === 0) return { text: '—' };
    if (TIME_KEY.test(key) && v > 1e12) return { text: `${clock(v)} (${ago(v, now)})` };
    if (TIME_KEY.test(key) && v > 1e9 && v < 1e11) return { text: `${clock(v * 1000)} (${ago(v * 1000, now)})` };
    if (BYTES_KEY.test(key)) return v < 0 ? { text: 'unknown' } : { text: bytes(v), title: `${thousands(v)} bytes` };
    if (/lag$/i.test(key)) return { text: `${v} s` };
    if (/Rate$/.test(key)) return { text: v > 0 ? `${bytes(v)}/s` : '—' };
    if (/Eta$/.test(key)) return { text: v >= 0 ? `${v} s` : 'unknown' };
    if (/(ms|Ms|Millis)$/.test(key)) return { text: `${thousands(v)} ms` };
    return { text: Number.isInteger(v) ? thousands(v) : String(v) };
  }
  if (typeof v === 'string') {
    if (/^[0-9a-f]{40}$/.test(v)) return { text: `${v.slice(0, 10)}…${v.slice(-4)}`, title: v };
    return { text: v.length > 80 ? `${v.slice(0, 77)}…` : v, title: v.length > 80 ? v : undefined };
  }
  if (Array.isArray(v)) return { text: v.length === 0 ? 'none' : v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') };
  return { text: JSON.stringify(v) };
}

/** The context's fields, important ones first, nested objects one level deep ("transfer bytes"). */
export function contextFields(context: unknown, now: number): Field[] {
  if (context === null || typeof context !== 'object') return [];
  const flat: [string, unknown][] = [];
  for (const [k, v] of Object.entries(context as Record<string, unknown>)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length <= 12) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) flat.push([`${k}.${k2}`, v2]);
    } else {
      flat.push([k, v]);
    }
  }
  const rank = (k: string): number => {
    const i = FIRST.indexOf(k);
    return i < 0 ? FIRST.length : i;
  };
  flat.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return flat.map(([key, v]) => {
    const leaf = key.split('.').pop()!;
    const { text, title } = valueText(leaf, v, now);
    return { key, label: key.split('.').map(humanize).join(' · '), text, title };
  });
}

export interface Progress {
  done: number;
  /** null for a transfer of unknown size (an EOF-marked diskless payload). */
  total: number | null;
  doneKey: string;
  /** The rate (bytes/s) and seconds left the context itself gives, when it does (-1 / absent: unknown). */
  rate: number | null;
  eta: number | null;
}

const DONE = /^(transferred|received|read|sent|written|loaded|done|progress)(Bytes)?$|(Read|Sent|Written|Received|Loaded|Transferred)(Bytes)?$/;
const TOTAL = /^(total|expected|size)(Bytes)?$|(Size|Total|Len|Length|Expected)(Bytes)?$/;

/** The transfer a context describes: a bytes-done field and, when known, a total beside it. */
export function progressOf(context: unknown): Progress | null {
  if (context === null || typeof context !== 'object') return null;
  const scopes: Record<string, unknown>[] = [context as Record<string, unknown>];
  for (const v of Object.values(context as Record<string, unknown>)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) scopes.push(v as Record<string, unknown>);
  }
  for (const scope of scopes) {
    const doneKey = Object.keys(scope).find((k) => DONE.test(k) && typeof scope[k] === 'number');
    if (doneKey === undefined) continue;
    const totalKey = Object.keys(scope).find((k) => TOTAL.test(k) && typeof scope[k] === 'number' && (scope[k] as number) > 0);
    const known = (re: RegExp): number | null => {
      const k = Object.keys(scope).find((x) => re.test(x) && typeof scope[x] === 'number' && (scope[x] as number) > 0);
      return k === undefined ? null : (scope[k] as number);
    };
    return { done: scope[doneKey] as number, total: totalKey === undefined ? null : (scope[totalKey] as number), doneKey, rate: known(/Rate$|^rate$/), eta: known(/Eta$|^eta$/) };
  }
  return null;
}

/** Bytes per second over the samples of the last few seconds, and the seconds left at that rate. */
export function rateAndEta(samples: { t: number; done: number }[], p: Progress): { rate: number | null; eta: number | null } {
  if (p.rate !== null) return { rate: p.rate, eta: p.eta };
  if (samples.length < 2) return { rate: null, eta: null };
  const a = samples[0]!;
  const b = samples[samples.length - 1]!;
  if (b.t - a.t < 200 || b.done < a.done) return { rate: null, eta: null };
  const rate = ((b.done - a.done) * 1000) / (b.t - a.t);
  const eta = p.total !== null && rate > 0 ? (p.total - p.done) / rate : null;
  return { rate, eta };
}
