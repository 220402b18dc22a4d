// DUMP and RESTORE (cluster.c): a value as an RDB payload (type byte, value, RDB version in
// two bytes and a CRC64 of all that, little-endian), the same bytes Redis 7.0 makes and
// takes, so that a key moves between redstate and redis-server by DUMP/RESTORE.
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey } from '../actors/notify.js';
import { Crc64 } from '../io/crc64.js';
import { decodeTypedValue } from '../io/rdb-decoder.js';
import { RdbEncoder } from '../io/rdb-encoder.js';
import { RDB_VERSION, RdbError } from '../io/rdb-format.js';
import type { Value } from '../store/values.js';
import { intArg, is } from './args.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';

const FOOTER = 10;

/** createDumpPayload: strings LZF-compressed under rdbcompression, as rdbSaveObject writes them. */
export function dumpPayload(v: Value, compression: boolean): Buffer {
  const enc = new RdbEncoder({ compression });
  enc.typedValue(v);
  const body = enc.take()!;
  const out = Buffer.allocUnsafe(body.length + FOOTER);
  body.copy(out);
  out.writeUInt16LE(RDB_VERSION, body.length);
  new Crc64().update(out, 0, body.length + 2).writeLE(out, body.length + 2);
  return out;
}

/** verifyDumpPayload: the footer's version is one we write or older, and the CRC64 matches (unless not checked). */
function verifyPayload(p: Buffer, checksum: boolean): boolean {
  if (p.length < FOOTER) return false;
  const at = p.length - FOOTER;
  if (p.readUInt16LE(at) > RDB_VERSION) return false;
  return !checksum || new Crc64().update(p, 0, p.length - 8).matchesLE(p, p.length - 8);
}

// dumpCommand
function dump(c: Client, argv: string[]): void {
  const v = c.db.lookup(argv[1]!);
  if (v === undefined) return c.reply.nullBulk();
  c.reply.bulk(dumpPayload(v, c.server.config.getBool('rdbcompression')).toString('latin1'));
}

// restoreCommand
function restore(c: Client, argv: string[]): void {
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1;
    if (is(argv[j], 'REPLACE')) {
      replace = true;
    } else if (is(argv[j], 'ABSTTL')) {
      absttl = true;
    } else if (is(argv[j], 'IDLETIME') && more >= 1 && freq < 0) {
      const n = intArg(c, argv[++j]!);
      if (n === null) return;
      if (n < 0) return c.reply.error('ERR Invalid IDLETIME value, must be >= 0');
      idle = n;
    } else if (is(argv[j], 'FREQ') && more >= 1 && idle < 0) {
      const n = intArg(c, argv[++j]!);
      if (n === null) return;
      if (n < 0 || n > 255) return c.reply.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = n;
    } else {
      return c.reply.error(ERR.syntax);
    }
  }
  const key = argv[1]!;
  if (!replace && c.db.lookupWrite(key) !== undefined) return c.reply.error('BUSYKEY Target key name already exists.');
  let ttl = intArg(c, argv[2]!);
  if (ttl === null) return;
  if (ttl < 0) return c.reply.error('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3]!, 'latin1');
  if (!verifyPayload(payload, !c.server.skipChecksumValidation)) return c.reply.error('ERR DUMP payload version or checksum are wrong');
  let value: Value;
  try {
    value = decodeTypedValue(payload.subarray(0, payload.length - FOOTER));
  } catch (e) {
    // rdbReportError in a RESTORE: logged at verbose, the client told only that the data is bad.
    if (e instanceof RdbError) c.server.log.verbose(e.report);
    return c.reply.error('ERR Bad data format');
  }
  const deleted = replace && c.db.lookupWrite(key) !== undefined && c.db.delete(key);
  if (ttl && !absttl) ttl += Date.now();
  if (ttl && ttl <= Date.now() && !c.server.isReplica) {
    // Already expired: nothing is added, and a replaced key leaves as a DEL.
    if (deleted) c.propagateAs(['DEL', key]);
    else c.preventPropagation();
    return c.reply.ok();
  }
  c.db.set(key, value);
  const word = c.server.keyspace.access.given(freq, idle);
  if (word !== undefined) c.db.setAccessWord(key, word);
  if (ttl) {
    c.db.setExpire(key, ttl);
    // Replicas get the expiry as an absolute time.
    if (!absttl) c.propagateAs([argv[0]!, key, String(ttl), ...argv.slice(3), 'ABSTTL']);
  }
  notifyKey(c, NOTIFY.generic, 'restore', key);
  c.reply.ok();
}

export const dumpCommands: CommandSpec[] = [
  { name: 'dump', arity: 2, flags: ['readonly'], keys: [1, 1, 1], acl: ['keyspace', 'read', 'slow'], run: dump },
  { name: 'restore', arity: -4, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: ['keyspace', 'write', 'slow', 'dangerous'], run: restore },
  // A cluster's MIGRATE sends it to a node importing the slot; outside a cluster it is RESTORE.
  { name: 'restore-asking', arity: -4, flags: ['write', 'denyoom', 'asking'], keys: [1, 1, 1], acl: ['keyspace', 'write', 'slow', 'dangerous'], run: restore },
];
