// COMMAND DOCS (commandDocsCommand): each served command's documentation, as Redis 7.0 sends
// it; redis-cli builds its argument hints from it. The entries (command-docs-data.ts) are
// generated from redis-server 7.0's own answer; what a field holds decides its reply type.
import type { Client } from '../actors/client.js';

/** A documentation value: maps in their order, lists, strings, and integers (key_spec_index). */
export type DocValue = string | number | DocValue[] | DocEntry;
export interface DocEntry {
  [field: string]: DocValue;
}

/** Fields sent as sets of status strings (addReplyFlagsForArg, addReplyDocFlagsForCommand). */
const FLAG_FIELDS = new Set(['flags', 'doc_flags']);

// addReplyCommandDocs, addReplyCommandArgList, addReplyCommandHistory, addReplyCommandSubCommands
/** One entry (a command's, an argument's) as a map, each field in the type Redis gives it. */
export function replyDoc(c: Client, doc: DocEntry): void {
  const fields = Object.keys(doc);
  c.reply.map(fields.length);
  for (const f of fields) {
    c.reply.bulk(f);
    const v = doc[f]!;
    if (typeof v === 'number') {
      c.reply.integer(v);
    } else if (typeof v === 'string') {
      c.reply.bulk(v);
    } else if (FLAG_FIELDS.has(f)) {
      const flags = v as string[];
      c.reply.set(flags.length);
      for (const s of flags) c.reply.simple(s);
    } else if (f === 'history') {
      const entries = v as string[][];
      c.reply.set(entries.length);
      for (const [version, text] of entries) c.reply.bulks([version!, text!], 2);
    } else if (f === 'arguments') {
      const args = v as DocEntry[];
      c.reply.array(args.length);
      for (const a of args) replyDoc(c, a);
    } else {
      // subcommands: name -> entry
      const subs = v as DocEntry;
      const names = Object.keys(subs);
      c.reply.map(names.length);
      for (const n of names) {
        c.reply.bulk(n);
        replyDoc(c, subs[n] as DocEntry);
      }
    }
  }
}
