// Redis's CRC-64 (crc64.c): Jones polynomial 0xad93d23594c935a9, reflected in and out,
// initial value 0, no final xor; crc64("123456789") is 0xe9c6d914c4b8d9ca. The RDB
// trailer is this checksum over every byte before it, stored little-endian.
//
// The loop runs as a small WebAssembly function (slicing-by-8: eight tables fold eight
// input bytes per step, as 64-bit words). The same loop in JS ran at ~1.6 GB/s once
// TurboFan had compiled it, but a replica is a fresh process: until then it crawled in
// the interpreter, and checking the 3.7 MB payload of a 20k-key full sync cost 13-16 ms
// of the replica's ~100 ms (issue 21). WebAssembly is compiled before its first call.
//
// A whole window is folded as four streams of STREAM bytes at once: one stream's steps
// each wait on the last (~1.4 GB/s), four independent ones keep the CPU's units busy. The
// checksum is linear, so the four join as crc(A B) = shift(crc(A)) ^ crc(B), shift being
// what STREAM zero bytes do to a state (crc64_combine's operator), applied through eight
// more tables of 256 words.

const POLY_LO = 0xac4bc9b5; // the reflected polynomial 0x95ac9329ac4bc9b5, low half
const POLY_HI = 0x95ac9329;

// The module's memory: the running state (one i64), the 8 slicing tables of 256 i64, the 8
// shift tables, then the window input bytes are copied into; two 64 KB pages.
const STATE = 0;
const TABLES = 64;
const TABLE_BYTES = 256 * 8;
const SHIFT_TABLES = TABLES + 8 * TABLE_BYTES;
const WINDOW = 65536;
const PAGES = 2;
/** A whole window is four streams of this many bytes. */
const STREAMS = 4;
const STREAM = WINDOW / STREAMS;

/**
 * The eight slicing tables as 64-bit little-endian words, table k entry i at
 * TABLES + (k * 256 + i) * 8: table 0 is the classic byte table, table k folds a byte
 * k positions further from the end of an 8-byte step.
 */
function fillTables(mem: DataView): void {
  const at = (k: number, i: number): number => TABLES + (k * 256 + i) * 8;
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = (lo >>> 1) | ((hi & 1) << 31);
      hi >>>= 1;
      if (carry) {
        lo ^= POLY_LO;
        hi ^= POLY_HI;
      }
    }
    mem.setUint32(at(0, i), lo >>> 0, true);
    mem.setUint32(at(0, i) + 4, hi >>> 0, true);
  }
  for (let k = 1; k < 8; k++) {
    for (let i = 0; i < 256; i++) {
      const plo = mem.getUint32(at(k - 1, i), true);
      const phi = mem.getUint32(at(k - 1, i) + 4, true);
      const t = plo & 0xff;
      mem.setUint32(at(k, i), (((plo >>> 8) | (phi << 24)) ^ mem.getUint32(at(0, t), true)) >>> 0, true);
      mem.setUint32(at(k, i) + 4, ((phi >>> 8) ^ mem.getUint32(at(0, t) + 4, true)) >>> 0, true);
    }
  }
}

/**
 * The shift tables: shift table k entry b at SHIFT_TABLES + (k * 256 + b) * 8 is what STREAM
 * zero bytes make of the state b << 8k. The operator is a 64x64 bit matrix (column i: the
 * image of bit i, as lo/hi halves), one zero byte's squared log2(STREAM) times.
 */
function fillShiftTables(mem: DataView): void {
  const t0 = (i: number, half: number): number => mem.getUint32(TABLES + i * 8 + half * 4, true);
  /** The image of the 64-bit vector (lo, hi) under matrix m: the xor of the columns of its set bits. */
  const apply = (m: Uint32Array, lo: number, hi: number, out: Uint32Array, at: number): void => {
    let rlo = 0;
    let rhi = 0;
    for (let i = 0; i < 64; i++) {
      if (((i < 32 ? lo >>> i : hi >>> (i - 32)) & 1) === 0) continue;
      rlo ^= m[2 * i]!;
      rhi ^= m[2 * i + 1]!;
    }
    out[at] = rlo >>> 0;
    out[at + 1] = rhi >>> 0;
  };
  // One zero byte: state' = table0[state & 0xff] ^ (state >>> 8).
  let m = new Uint32Array(128);
  for (let i = 0; i < 64; i++) {
    const lo = i < 32 ? 2 ** i : 0;
    const hi = i < 32 ? 0 : 2 ** (i - 32);
    const b = lo & 0xff;
    m[2 * i] = (((lo >>> 8) | (hi << 24)) ^ t0(b, 0)) >>> 0;
    m[2 * i + 1] = ((hi >>> 8) ^ t0(b, 1)) >>> 0;
  }
  for (let n = 1; n < STREAM; n *= 2) {
    const squared = new Uint32Array(128);
    for (let i = 0; i < 64; i++) apply(m, m[2 * i]!, m[2 * i + 1]!, squared, 2 * i);
    m = squared;
  }
  const entry = new Uint32Array(2);
  for (let k = 0; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      apply(m, k < 4 ? b << (8 * k) : 0, k < 4 ? 0 : b << (8 * (k - 4)), entry, 0);
      mem.setUint32(SHIFT_TABLES + (k * 256 + b) * 8, entry[0]!, true);
      mem.setUint32(SHIFT_TABLES + (k * 256 + b) * 8 + 4, entry[1]!, true);
    }
  }
}

/** Unsigned LEB128, as the binary format writes sizes, counts and memory offsets. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128, for i32.const / i64.const immediates (small non-negative ones here). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

// The opcodes used (WebAssembly core spec, binary format).
const OP = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i64Load: 0x29, i64Load8U: 0x31, i64Store: 0x37,
  i32Const: 0x41, i64Const: 0x42,
  i32GeU: 0x4f, i32Add: 0x6a, i32And: 0x71, i32Shl: 0x74,
  i64And: 0x83, i64Xor: 0x85, i64ShrU: 0x88, i32WrapI64: 0xa7,
} as const;
const VOID = 0x40;
const I32 = 0x7f;
const I64 = 0x7e;

// Locals of update(len): the parameter, then the state, the input pointer, the end of the
// 8-byte steps, the end of the input, and the step's word xor the state.
const LEN = 0;
const CRC = 1;
const P = 2;
const END8 = 3;
const END = 4;
const X = 5;

/** (value & 0xff) * 8 of the i64 on the stack: a table index in bytes. */
const tableIndex = [OP.i32WrapI64, OP.i32Const, ...sleb(0xff), OP.i32And, OP.i32Const, 3, OP.i32Shl];

/** i64.load of table k's entry at the byte index on the stack (the table's place as the memarg offset). */
function tableLoad(k: number, tables = TABLES): number[] {
  return [OP.i64Load, 3, ...uleb(tables + k * TABLE_BYTES)];
}

/**
 * Leaves on the stack the xor of the eight tables' entries for the bytes of local v: byte j
 * (little-endian) through table tableOf(j) of those at `tables`.
 */
function fold(v: number, tableOf: (j: number) => number, tables = TABLES): number[] {
  const code: number[] = [];
  for (let j = 0; j < 8; j++) {
    // Byte j times 8 as (v >> (8j - 3)) & 0x7f8: one shift where shifting to the byte and then by 3 took two.
    code.push(OP.localGet, v);
    if (j > 0) code.push(OP.i64Const, ...sleb(8 * j - 3), OP.i64ShrU, OP.i32WrapI64);
    else code.push(OP.i32WrapI64, OP.i32Const, 3, OP.i32Shl);
    code.push(OP.i32Const, ...sleb(0x7f8), OP.i32And, ...tableLoad(tableOf(j), tables));
    if (j > 0) code.push(OP.i64Xor);
  }
  return code;
}

/** A function body: its locals as (count, type) groups, then its code. */
function body(locals: number[][], code: number[]): number[] {
  const decl = [...uleb(locals.length), ...locals.flatMap(([n, type]) => [...uleb(n!), type!])];
  return [...uleb(decl.length + code.length + 1), ...decl, ...code, OP.end];
}

/**
 * update(len): folds the len bytes at WINDOW into the state at STATE. Byte j of each
 * 8-byte step (little-endian in the word) goes through table 7 - j; the bytes after the
 * last whole step one at a time through table 0.
 */
function updateBody(): number[] {
  const code: number[] = [
    OP.i32Const, 0, OP.i64Load, 3, ...uleb(STATE), OP.localSet, CRC,
    OP.i32Const, ...sleb(WINDOW), OP.localSet, P,
    OP.localGet, P, OP.localGet, LEN, OP.i32Const, ...sleb(-8), OP.i32And, OP.i32Add, OP.localSet, END8,
    OP.localGet, P, OP.localGet, LEN, OP.i32Add, OP.localSet, END,
    OP.block, VOID, OP.loop, VOID,
    OP.localGet, P, OP.localGet, END8, OP.i32GeU, OP.brIf, 1,
    OP.localGet, CRC, OP.localGet, P, OP.i64Load, 3, 0, OP.i64Xor, OP.localSet, X,
    ...fold(X, (j) => 7 - j),
    OP.localSet, CRC,
    OP.localGet, P, OP.i32Const, 8, OP.i32Add, OP.localSet, P,
    OP.br, 0, OP.end, OP.end,
    OP.block, VOID, OP.loop, VOID,
    OP.localGet, P, OP.localGet, END, OP.i32GeU, OP.brIf, 1,
    OP.localGet, CRC, OP.i64Const, 8, OP.i64ShrU,
    OP.localGet, CRC, OP.localGet, P, OP.i64Load8U, 0, 0, OP.i64Xor, ...tableIndex, ...tableLoad(0),
    OP.i64Xor, OP.localSet, CRC,
    OP.localGet, P, OP.i32Const, 1, OP.i32Add, OP.localSet, P,
    OP.br, 0, OP.end, OP.end,
    OP.i32Const, 0, OP.localGet, CRC, OP.i64Store, 3, ...uleb(STATE),
  ];
  // Locals after the parameter: crc (i64), p, end8, end (i32), x (i64).
  return body([[1, I64], [3, I32], [1, I64]], code);
}

// Locals of updateWindow(): the four streams' states, the step's word xor a state, the
// offset of the step in the first stream and its end.
const STREAM_CRC = Array.from({ length: STREAMS }, (_, s) => s);
const SX = STREAMS;
const SP = STREAMS + 1;
const SEND = STREAMS + 2;

/**
 * updateWindow(): folds the whole window into the state, as four streams of STREAM bytes
 * stepped together, the first continuing the state and the others from zero; then
 * state = shift(shift(shift(a) ^ b) ^ c) ^ d.
 */
function updateWindowBody(): number[] {
  const [a, ...rest] = STREAM_CRC;
  const code: number[] = [
    OP.i32Const, 0, OP.i64Load, 3, ...uleb(STATE), OP.localSet, a!,
    OP.i32Const, ...sleb(WINDOW), OP.localSet, SP,
    OP.i32Const, ...sleb(WINDOW + STREAM), OP.localSet, SEND,
    OP.block, VOID, OP.loop, VOID,
    OP.localGet, SP, OP.localGet, SEND, OP.i32GeU, OP.brIf, 1,
  ];
  STREAM_CRC.forEach((crc, s) => {
    code.push(OP.localGet, crc, OP.localGet, SP, OP.i64Load, 3, ...uleb(s * STREAM), OP.i64Xor, OP.localSet, SX);
    code.push(...fold(SX, (j) => 7 - j), OP.localSet, crc);
  });
  code.push(
    OP.localGet, SP, OP.i32Const, 8, OP.i32Add, OP.localSet, SP,
    OP.br, 0, OP.end, OP.end,
  );
  for (const crc of rest) code.push(...fold(a!, (j) => j, SHIFT_TABLES), OP.localGet, crc, OP.i64Xor, OP.localSet, a!);
  code.push(OP.i32Const, 0, OP.localGet, a!, OP.i64Store, 3, ...uleb(STATE));
  return body([[STREAMS + 1, I64], [2, I32]], code);
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Buffer.from(s, 'latin1')];
}

/** The module: one memory, update(len) and updateWindow(), all exported. */
function moduleBytes(): Uint8Array {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    // Types: 0 is (i32) -> (), 1 is () -> ().
    ...section(1, [2, 0x60, 1, I32, 0, 0x60, 0, 0]),
    ...section(3, [2, 0, 1]),
    ...section(5, [1, 0, PAGES]),
    ...section(7, [3, ...name('memory'), 0x02, 0, ...name('update'), 0x00, 0, ...name('updateWindow'), 0x00, 1]),
    ...section(10, [2, ...updateBody(), ...updateWindowBody()]),
  ]);
}

/** The part of the WebAssembly API used here (the project's libs declare none of it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => {
    exports: { memory: { buffer: ArrayBuffer }; update: (len: number) => void; updateWindow: () => void };
  };
};

const { memory, update: wasmUpdate, updateWindow } = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes())).exports;
const bytes = new Uint8Array(memory.buffer);
const view = new DataView(memory.buffer);
fillTables(view);
fillShiftTables(view);

/** A running checksum, fed chunk by chunk in order. */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  /** Folds buf[start, end) into the checksum, a window at a time through the module's memory. */
  update(buf: Buffer, start = 0, end = buf.length): this {
    view.setUint32(STATE, this.lo, true);
    view.setUint32(STATE + 4, this.hi, true);
    for (let at = start; at < end; at += WINDOW) {
      const n = Math.min(WINDOW, end - at);
      bytes.set(buf.subarray(at, at + n), WINDOW);
      if (n === WINDOW) updateWindow();
      else wasmUpdate(n);
    }
    this.lo = view.getUint32(STATE, true);
    this.hi = view.getUint32(STATE + 4, true);
    return this;
  }

  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Writes the checksum as the RDB trailer: 8 bytes little-endian. */
  writeLE(out: Buffer, offset: number): void {
    out.writeUInt32LE(this.lo, offset);
    out.writeUInt32LE(this.hi, offset + 4);
  }

  /** True when the 8 little-endian bytes at buf[offset] hold this checksum. */
  matchesLE(buf: Buffer, offset: number): boolean {
    return buf.readUInt32LE(offset) === this.lo && buf.readUInt32LE(offset + 4) === this.hi;
  }
}
