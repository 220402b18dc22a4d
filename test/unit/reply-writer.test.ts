import { describe, expect, it } from 'vitest';
import { ReplyWriter } from '../../src/io/reply-writer.js';

function written(fill: (w: ReplyWriter) => void): string {
  const w = new ReplyWriter();
  fill(w);
  return Buffer.concat(w.take() ?? []).toString('latin1');
}

describe('ReplyWriter', () => {
  it('encodes every RESP2 reply type', () => {
    expect(written((w) => {
      w.ok();
      w.simple('QUEUED');
      w.error('ERR bad\r\nthing');
      w.integer(0);
      w.integer(-42);
      w.integer(1234567890123);
      w.integer(9223372036854775807n);
      w.nullBulk();
      w.nullArray();
      w.emptyArray();
      w.array(2);
      w.bulk('');
      w.bulk('\x00\xff');
      w.double(1.1);
      w.raw(Buffer.from('+RAW\r\n'));
    })).toBe('+OK\r\n+QUEUED\r\n-ERR bad  thing\r\n:0\r\n:-42\r\n:1234567890123\r\n:9223372036854775807\r\n' +
      '$-1\r\n*-1\r\n*0\r\n*2\r\n$0\r\n\r\n$2\r\n\x00\xff\r\n$18\r\n1.1000000000000001\r\n+RAW\r\n');
  });

  it('keeps order across batches that outgrow the buffer and big bulks sent as chunks', () => {
    const big = 'b'.repeat(100_000);
    const mid = 'm'.repeat(20_000);
    const out = written((w) => {
      for (let i = 0; i < 3; i++) {
        w.bulk(mid);
        w.bulk(big);
        w.integer(i);
      }
    });
    const one = `$20000\r\n${mid}\r\n$100000\r\n${big}\r\n`;
    expect(out).toBe(`${one}:0\r\n${one}:1\r\n${one}:2\r\n`);
  });

  it('writes a bulk longer than the buffer whole after a nearly full batch (fuzz seed 407: INFO commandstats)', () => {
    const small = 'x'.repeat(16_000);
    const mid = 'm'.repeat(17_000);
    expect(written((w) => {
      w.bulk(small);
      w.bulk(mid);
      w.ok();
    })).toBe(`$16000\r\n${small}\r\n$17000\r\n${mid}\r\n+OK\r\n`);
  });

  it('writes a raw reply (a script\'s) longer than twice the buffer whole behind pipelined replies', () => {
    const raw = Buffer.from(`$100000\r\n${'r'.repeat(99_998)}20\r\n`, 'latin1');
    const pongs = '+PONG\r\n'.repeat(5);
    expect(written((w) => {
      for (let i = 0; i < 5; i++) w.simple('PONG');
      w.raw(raw);
    })).toBe(pongs + raw.toString('latin1'));
  });

  it('counts what is pending and drops everything when muted', () => {
    const w = new ReplyWriter();
    w.bulk('abc');
    expect(w.pending).toBe(9);
    w.take();
    expect(w.pending).toBe(0);
    w.mute(true);
    w.bulk('abc');
    w.ok();
    expect(w.take()).toBeNull();
  });

  it('hands out one shared batch for a lone +OK, :1, :0, nil or PONG, and copies for anything else', () => {
    const w = new ReplyWriter();
    const batches = [];
    for (const reply of [() => w.ok(), () => w.integer(1), () => w.integer(0), () => w.nullBulk(), () => w.simple('PONG')]) {
      reply();
      const first = w.take()!;
      reply();
      expect(w.take()).toBe(first);
      batches.push(Buffer.concat(first).toString('latin1'));
    }
    expect(batches).toEqual(['+OK\r\n', ':1\r\n', ':0\r\n', '$-1\r\n', '+PONG\r\n']);
    // Shared bytes stay as they are while the writer writes over its buffer.
    w.ok();
    const ok = w.take()!;
    w.integer(7);
    expect(Buffer.concat(w.take()!).toString('latin1')).toBe(':7\r\n');
    expect(ok[0]!.toString('latin1')).toBe('+OK\r\n');
    // Two replies in one batch, a RESP3 null and a near miss are copies.
    for (const fill of [(x: ReplyWriter) => { x.ok(); x.ok(); }, (x: ReplyWriter) => { x.resp3 = true; x.nullBulk(); },
      (x: ReplyWriter) => x.simple('OK2'), (x: ReplyWriter) => x.integer(2)]) {
      fill(w);
      const a = w.take()!;
      fill(w);
      const b = w.take()!;
      expect(a).not.toBe(b);
      expect(Buffer.concat(a).equals(Buffer.concat(b))).toBe(true);
      w.resp3 = false;
    }
  });

  it('lends its buffer to a socket write, and lets it go when the kernel did not take the batch whole', () => {
    const w = new ReplyWriter();
    w.bulk('abc');
    const first = w.takeForSocket()![0]!;
    expect(first.toString('latin1')).toBe('$3\r\nabc\r\n');
    w.written(true);
    w.bulk('xyz');
    const second = w.takeForSocket()![0]!;
    // The same memory, and as long: the same view, no Buffer object of its own per reply.
    expect(second).toBe(first);
    expect(second.toString('latin1')).toBe('$3\r\nxyz\r\n');
    w.written(false);
    w.bulk('def');
    const third = w.takeForSocket()![0]!;
    expect(third.buffer === second.buffer && third.byteOffset === second.byteOffset).toBe(false);
    expect(second.toString('latin1')).toBe('$3\r\nxyz\r\n');
    expect(third.toString('latin1')).toBe('$3\r\ndef\r\n');
    w.written(true);
    // A short batch that no shared one holds is a view too; one of another length, a new view.
    w.integer(12);
    const short = w.takeForSocket()![0]!;
    expect(short.toString('latin1')).toBe(':12\r\n');
    expect(short.buffer === third.buffer && short.byteOffset === third.byteOffset).toBe(true);
    w.written(true);
    // A shared batch lends nothing.
    w.ok();
    expect(Buffer.concat(w.takeForSocket()!).toString('latin1')).toBe('+OK\r\n');
  });
});
