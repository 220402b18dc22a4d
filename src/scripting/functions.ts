// The function libraries (functions.c): each library's code and the functions it registered,
// kept for FUNCTION LIST/STATS/DUMP, FCALL's lookups and the RDB, while the callbacks
// themselves live in the engine's functions state. Loading goes through the
// engine; this module checks what Redis checks before and after.
import { Crc64 } from '../io/crc64.js';
import { splitArgs } from '../io/split-args.js';
import { decodeFunctionPayload } from '../io/rdb-decoder.js';
import { RdbEncoder } from '../io/rdb-encoder.js';
import { RDB_VERSION, RdbError } from '../io/rdb-format.js';
import { MAP_ENTRY, stringSize } from '../store/object-size.js';
import type { FunctionInfo } from './lua-states.js';
import type { ScriptEngine } from './engine.js';

/** How a load meets what is there: emptied first, added beside it, or added over it where names clash. */
export type LoadMode = 'replace' | 'add' | 'merge';

export interface Library {
  name: string;
  code: string;
  functions: FunctionInfo[];
}

const NAME_RULE = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

/** functionExtractLibMetaData: the library name from `#!lua name=<name>`, or Redis's error. */
export function libraryName(code: string): { name: string } | { error: string } {
  if (!code.startsWith('#!')) return { error: 'ERR Missing library metadata' };
  const eol = code.indexOf('\n');
  if (eol < 0) return { error: 'ERR Invalid library metadata' };
  // The whole line, "#!" and all, split as sdssplitargs splits it: the engine is the first word past the "#!".
  const parts = splitArgs(code.slice(0, eol));
  if (parts === null || parts.length === 0) return { error: 'ERR Invalid library metadata' };
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() !== 'name=') return { error: `ERR Invalid metadata value given: ${part}` };
    if (name !== null) return { error: 'ERR Invalid metadata value, name argument was given multiple times' };
    name = part.slice(5);
  }
  if (name === null) return { error: 'ERR Library name was not given' };
  const engine = parts[0]!.slice(2);
  if (engine.toLowerCase() !== 'lua') return { error: `ERR Engine '${engine}' not found` };
  if (!/^[A-Za-z0-9_]+$/.test(name)) return { error: `ERR ${NAME_RULE}` };
  return { name };
}

export class FunctionLibraries {
  readonly libraries = new Map<string, Library>();
  /** Function name, lowercased (FCALL's lookup ignores case, as Redis's functions dict) -> the library that registered it. */
  private readonly owners = new Map<string, Library>();

  constructor(private readonly engine: ScriptEngine) {}

  get functionCount(): number {
    return this.owners.size;
  }

  /** Estimated bytes of the libraries' names, code and functions, and of the Maps that hold them (functionsMemoryOverhead). */
  get memory(): number {
    let bytes = 0;
    for (const lib of this.libraries.values()) {
      bytes += MAP_ENTRY + stringSize(lib.name) + stringSize(lib.code);
      for (const f of lib.functions) bytes += MAP_ENTRY + stringSize(f.name) + (f.description === null ? 0 : stringSize(f.description));
    }
    return bytes;
  }

  /** The function named name, with its library, or undefined. */
  lookup(name: string): { library: Library; info: FunctionInfo } | undefined {
    const key = name.toLowerCase();
    const library = this.owners.get(key);
    const info = library?.functions.find((f) => f.name.toLowerCase() === key);
    return library === undefined || info === undefined ? undefined : { library, info };
  }

  /** FUNCTION LOAD [REPLACE]: the library's name, or Redis's error text. */
  load(code: string, replace: boolean): string | { error: string } {
    const meta = libraryName(code);
    if ('error' in meta) return meta;
    if (this.libraries.has(meta.name) && !replace) return { error: `ERR Library '${meta.name}' already exists` };
    // The metadata line becomes a comment, so the code's line numbers stay the same.
    const loaded = this.engine.loadLibrary(meta.name, `--${code.slice(2)}`);
    if (typeof loaded === 'string') return { error: loaded };
    if (loaded.length === 0) {
      this.engine.deleteLibrary(meta.name);
      this.reinstate(meta.name);
      return { error: 'ERR No functions registered' };
    }
    this.forget(meta.name);
    const library: Library = { name: meta.name, code, functions: loaded };
    this.libraries.set(meta.name, library);
    for (const f of loaded) this.owners.set(f.name.toLowerCase(), library);
    return meta.name;
  }

  /** After a failed replace the functions state dropped the old library: it is loaded back. */
  private reinstate(name: string): void {
    const old = this.libraries.get(name);
    if (old !== undefined) this.engine.loadLibrary(name, `--${old.code.slice(2)}`);
  }

  /** Every library into a fresh functions state (after the engine had to reset it). */
  reloadAll(): void {
    for (const lib of this.libraries.values()) this.engine.loadLibrary(lib.name, `--${lib.code.slice(2)}`);
  }

  private forget(name: string): void {
    const old = this.libraries.get(name);
    if (old === undefined) return;
    for (const f of old.functions) this.owners.delete(f.name.toLowerCase());
    this.libraries.delete(name);
  }

  /** FUNCTION DELETE: false when there is no such library. */
  delete(name: string): boolean {
    if (!this.libraries.has(name)) return false;
    this.forget(name);
    this.engine.deleteLibrary(name);
    return true;
  }

  /** FUNCTION FLUSH. */
  flush(): void {
    this.libraries.clear();
    this.owners.clear();
    this.engine.flushFunctions();
  }

  /**
   * FUNCTION DUMP: each library as the RDB writes it (FUNCTION2 opcode, code as an RDB string),
   * then the RDB version (2 bytes) and the CRC64 of all before it, as DUMP payloads end.
   */
  dump(compression: boolean): Buffer {
    const enc = new RdbEncoder({ compression });
    for (const lib of this.libraries.values()) enc.functionLibrary(lib.code);
    const body = enc.take() ?? Buffer.alloc(0);
    const out = Buffer.alloc(body.length + 10);
    body.copy(out);
    out.writeUInt16LE(RDB_VERSION, body.length);
    new Crc64().update(out, 0, body.length + 2).writeLE(out, body.length + 2);
    return out;
  }

  /** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: null when done, else Redis's error. */
  restore(payload: Buffer, policy: 'flush' | 'append' | 'replace'): string | null {
    const n = payload.length;
    if (n < 10 || payload.readUInt16LE(n - 10) > RDB_VERSION || !new Crc64().update(payload, 0, n - 8).matchesLE(payload, n - 8)) {
      return 'ERR DUMP payload version or checksum are wrong';
    }
    let codes: string[];
    try {
      codes = decodeFunctionPayload(payload.subarray(0, n - 10));
    } catch (e) {
      return `ERR ${e instanceof RdbError ? e.detail : String(e)}`;
    }
    const named: Array<{ name: string; code: string }> = [];
    for (const code of codes) {
      const meta = libraryName(code);
      if ('error' in meta) return meta.error;
      named.push({ name: meta.name, code });
    }
    if (policy === 'append') {
      const clash = named.find((l) => this.libraries.has(l.name));
      if (clash !== undefined) return `ERR Library ${clash.name} already exists`;
    }
    return this.allOrNothing(policy === 'flush', named.map((l) => l.code), true);
  }

  /**
   * The libraries of an RDB being loaded (RDB_OPCODE_FUNCTION2): in place of the current ones,
   * or beside them (DEBUG RELOAD NOFLUSH), replacing those of the same name when merging (MERGE).
   */
  loadAll(codes: readonly string[], mode: LoadMode = 'replace'): string | null {
    return this.allOrNothing(mode === 'replace', codes, mode === 'merge');
  }

  /**
   * Loads codes (after a flush when asked) or, on the first failure, puts the libraries back
   * as they were and returns its error: a bad RDB or FUNCTION RESTORE payload changes nothing.
   */
  private allOrNothing(flush: boolean, codes: readonly string[], replace: boolean): string | null {
    const before = [...this.libraries.values()].map((l) => l.code);
    if (flush) this.flush();
    for (const code of codes) {
      const r = this.load(code, replace);
      if (typeof r === 'string') continue;
      this.flush();
      for (const old of before) this.load(old, false);
      return r.error;
    }
    return null;
  }
}
