// ACL users (Redis 7.0's acl.c): each user has flags, password hashes and selectors; the
// root selector holds the rules given outside parentheses, every "(...)" adds another, and a
// command runs when any selector allows the command, its keys and its channels. A selector
// keeps the set of commands it allows (top-level commands and subcommands alike), which
// ACLSetSelector changes rule by rule and ACLDescribeSelectorCommandRules turns back into
// the shortest rules it finds.
import { createHash } from 'node:crypto';
// The table first: it loads every command family (the ACL command among them, which imports
// this module) before command-cmd.js, itself a family, is loaded on its own.
import { allCommands, everyCommand, findCommand } from './table.js';
import type { Command } from './command.js';
import { aclCategories, ACL_ORDER } from './command-cmd.js';
import { globMatch } from './glob.js';
import { keysWithFlags } from './key-specs.js';

/** Why ACLSetUser refused a rule (ACLSetUserStringError's texts). */
export const RULE_ERRORS = {
  unknown: 'Unknown command or category name in ACL',
  syntax: 'Syntax error',
  afterAllKeys: "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. " +
    "Try 'resetkeys' to start with an empty list of patterns",
  afterAllChannels: "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any " +
    "effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPassword: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  duplicateUser: 'Duplicate user found. A user can only be defined once in config files',
  subcommandFirstArg: 'Allowing first-arg of a subcommand is not supported',
} as const;

export class AclRuleError extends Error {}

/** ACL_DENIED_*, in the order ACLCheckAllUserCommandPerm ranks them. */
export const Denial = { None: 0, Command: 1, Key: 2, Auth: 3, Channel: 4 } as const;
export type Denial = (typeof Denial)[keyof typeof Denial];

const READ = 1;
const WRITE = 2;

interface KeyPattern {
  pattern: string;
  /** READ | WRITE. */
  access: number;
}

const categoriesOf = new Map<Command, readonly string[]>();
function inCategory(cmd: Command, cat: string): boolean {
  let cats = categoriesOf.get(cmd);
  if (cats === undefined) categoriesOf.set(cmd, (cats = aclCategories(cmd)));
  return cats.includes(cat);
}

/** What a selector refused: the key or channel, and how far into the line (Redis's argv index). */
export interface Refused {
  object: string;
  rank: number;
}

const hasSpaces = (s: string): boolean => /[ \0]/.test(s);

/** One set of permissions: commands, key patterns, channel patterns (aclSelector). */
export class Selector {
  /** The +@all mark: commands added later would be allowed too (the reserved bit). */
  future = false;
  /** SELECTOR_FLAG_ALLCOMMANDS: every command, until one is taken away. */
  allCommands = false;
  readonly allowed = new Set<Command>();
  /** allowed_firstargs: +select|0 for an otherwise denied command without subcommands. */
  readonly firstArgs = new Map<Command, string[]>();
  allKeys = false;
  readonly keys: KeyPattern[] = [];
  allChannels = false;
  readonly channels: string[] = [];

  constructor(readonly root: boolean) {}

  clone(): Selector {
    const s = new Selector(this.root);
    s.future = this.future;
    s.allCommands = this.allCommands;
    for (const c of this.allowed) s.allowed.add(c);
    for (const [c, args] of this.firstArgs) s.firstArgs.set(c, [...args]);
    s.allKeys = this.allKeys;
    for (const k of this.keys) s.keys.push({ ...k });
    s.allChannels = this.allChannels;
    s.channels.push(...this.channels);
    return s;
  }

  private setBit(cmd: Command, on: boolean): void {
    if (on) this.allowed.add(cmd);
    else {
      this.allowed.delete(cmd);
      this.allCommands = false;
    }
  }

  /** ACLChangeSelectorPerm: a container's subcommands follow it. */
  private change(cmd: Command, on: boolean): void {
    this.setBit(cmd, on);
    this.firstArgs.delete(cmd);
    for (const sub of cmd.subcommands ?? []) this.setBit(sub, on);
  }

  /** ACLSetSelectorCommandBitsForCategory: false for an unknown category. */
  private category(cat: string, on: boolean): boolean {
    const name = cat.toLowerCase();
    if (!ACL_ORDER.includes(name)) return false;
    for (const cmd of allCommands()) {
      if (inCategory(cmd, name)) this.change(cmd, on);
      for (const sub of cmd.subcommands ?? []) if (inCategory(sub, name)) this.setBit(sub, on);
    }
    return true;
  }

  private all(on: boolean): void {
    this.allowed.clear();
    if (on) for (const c of everyCommand()) this.allowed.add(c);
    this.future = this.allCommands = on;
    this.firstArgs.clear();
  }

  // ACLSetSelector
  /** Applies one rule; throws AclRuleError with Redis's reason. */
  apply(op: string): void {
    const lower = op.toLowerCase();
    if (lower === 'allkeys' || op === '~*') {
      this.allKeys = true;
      this.keys.length = 0;
    } else if (lower === 'resetkeys') {
      this.allKeys = false;
      this.keys.length = 0;
    } else if (lower === 'allchannels' || op === '&*') {
      this.allChannels = true;
      this.channels.length = 0;
    } else if (lower === 'resetchannels') {
      this.allChannels = false;
      this.channels.length = 0;
    } else if (lower === 'allcommands' || lower === '+@all') {
      this.all(true);
    } else if (lower === 'nocommands' || lower === '-@all') {
      this.all(false);
    } else if (op[0] === '~' || op[0] === '%') {
      this.keyPattern(op);
    } else if (op[0] === '&') {
      if (this.allChannels) throw new AclRuleError(RULE_ERRORS.afterAllChannels);
      const pattern = op.slice(1);
      if (hasSpaces(pattern)) throw new AclRuleError(RULE_ERRORS.syntax);
      if (!this.channels.includes(pattern)) this.channels.push(pattern);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      if (!this.category(op.slice(2), op[0] === '+')) throw new AclRuleError(RULE_ERRORS.unknown);
    } else if (op[0] === '+') {
      this.allow(op.slice(1));
    } else if (op[0] === '-') {
      const cmd = findCommand(op.slice(1));
      if (cmd === undefined) throw new AclRuleError(RULE_ERRORS.unknown);
      this.change(cmd, false);
    } else {
      throw new AclRuleError(RULE_ERRORS.syntax);
    }
  }

  /** ~pattern, %R~pattern, %W~pattern, %RW~pattern: the same pattern twice widens its access. */
  private keyPattern(op: string): void {
    if (this.allKeys) throw new AclRuleError(RULE_ERRORS.afterAllKeys);
    let access = READ | WRITE;
    let at = 1;
    if (op[0] === '%') {
      access = 0;
      for (; at < op.length; at++) {
        const ch = op[at]!.toUpperCase();
        if (ch === 'R' && (access & READ) === 0) access |= READ;
        else if (ch === 'W' && (access & WRITE) === 0) access |= WRITE;
        else if (op[at] === '~') {
          at++;
          break;
        } else throw new AclRuleError(RULE_ERRORS.syntax);
      }
      if (access === 0) throw new AclRuleError(RULE_ERRORS.syntax);
    }
    const pattern = op.slice(at);
    if (hasSpaces(pattern)) throw new AclRuleError(RULE_ERRORS.syntax);
    const known = this.keys.find((k) => k.pattern === pattern);
    if (known !== undefined) known.access |= access;
    else this.keys.push({ pattern, access });
    this.allKeys = false;
  }

  /** +command, +container|subcommand, or +command|first-arg. */
  private allow(name: string): void {
    const bar = name.lastIndexOf('|');
    if (bar < 0) {
      const cmd = findCommand(name);
      if (cmd === undefined) throw new AclRuleError(RULE_ERRORS.unknown);
      return this.change(cmd, true);
    }
    const cmd = findCommand(name.slice(0, bar));
    if (cmd === undefined) throw new AclRuleError(RULE_ERRORS.unknown);
    if (cmd.name.includes('|')) throw new AclRuleError(RULE_ERRORS.subcommandFirstArg);
    const arg = name.slice(bar + 1);
    if (arg === '') throw new AclRuleError(RULE_ERRORS.syntax);
    if (cmd.subcommands !== undefined) {
      const sub = findCommand(name);
      if (sub === undefined) throw new AclRuleError(RULE_ERRORS.unknown);
      return this.change(sub, true);
    }
    const args = this.firstArgs.get(cmd) ?? [];
    if (!args.some((a) => a.toLowerCase() === arg.toLowerCase())) args.push(arg);
    this.firstArgs.set(cmd, args);
  }

  // ACLDescribeSelectorCommandRules
  /**
   * The rules that rebuild this selector's commands: +@all or -@all, then the categories that
   * fit best one at a time (the fewest commands to correct, then the most in common), then
   * single commands. Redis lists the single commands in its hash table's order, which differs
   * from process to process; here they follow the command table.
   */
  describeCommands(): string {
    const additive = !this.future;
    const fake = new Selector(false);
    fake.all(!additive);
    const rules = [additive ? '-@all' : '+@all'];
    const temp = new Selector(false);
    for (const c of this.allowed) temp.allowed.add(c);
    const applied = new Set<string>();
    for (;;) {
      let best: string | null = null;
      let minDiff = Infinity;
      let maxSame = 0;
      for (const cat of ACL_ORDER) {
        if (applied.has(cat)) continue;
        let on = 0;
        let off = 0;
        for (const cmd of everyCommand()) {
          if (!inCategory(cmd, cat)) continue;
          if (temp.allowed.has(cmd)) on++;
          else off++;
        }
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
          best = cat;
          minDiff = diff;
          maxSame = same;
        }
      }
      if (best === null) break;
      fake.category(best, additive);
      temp.category(best, !additive);
      rules.push(`${additive ? '+' : '-'}@${best}`);
      applied.add(best);
    }
    // Only a plain command holds first args (allow() gives a container's to its subcommand), so
    // each one's come right after it, as after a command and its subcommands.
    for (const c of everyCommand()) {
      const on = this.allowed.has(c);
      if (on !== fake.allowed.has(c)) {
        rules.push(`${on ? '+' : '-'}${c.name}`);
        fake.change(c, on);
      }
      if (!on) for (const arg of this.firstArgs.get(c) ?? []) rules.push(`+${c.name}|${arg}`);
    }
    return rules.join(' ');
  }

  /** The key patterns as ACL GETUSER shows them ('' for none). */
  describeKeys(): string {
    if (this.allKeys) return '~*';
    return this.keys.map((k) => `${k.access === (READ | WRITE) ? '' : k.access === READ ? '%R' : '%W'}~${k.pattern}`).join(' ');
  }

  describeChannels(): string {
    return this.allChannels ? '&*' : this.channels.map((c) => `&${c}`).join(' ');
  }

  // ACLDescribeSelector
  describe(): string {
    const keys = this.describeKeys();
    const channels = this.allChannels ? '&*' : ['resetchannels', ...this.channels.map((c) => `&${c}`)].join(' ');
    return [...(keys === '' ? [] : [keys]), channels, this.describeCommands()].join(' ');
  }

  // ACLSelectorCheckCmd
  /** Denial.None, or why this selector refuses argv; at gets the refused key or channel, and its rank. */
  check(cmd: Command, argv: readonly string[], at: Refused): Denial {
    if (!this.allCommands && !cmd.noAuth && !this.allowed.has(cmd)) {
      const args = this.firstArgs.get(cmd);
      const first = argv[cmd.name.includes('|') ? 2 : 1];
      if (args === undefined || first === undefined || !args.some((a) => a.toLowerCase() === first.toLowerCase())) return Denial.Command;
    }
    if (!this.allKeys) {
      const keys = keysWithFlags(cmd, argv);
      for (let i = 0; i < keys.length; i++) {
        if (!this.keyAllowed(keys[i]!.key, keys[i]!.flags)) {
          at.object = keys[i]!.key;
          at.rank = i + 1;
          return Denial.Key;
        }
      }
    }
    if (!this.allChannels) {
      for (const ch of channelsOf(cmd, argv)) {
        if (!this.channelAllowed(argv[ch.index]!, ch.pattern)) {
          at.object = argv[ch.index]!;
          at.rank = ch.index;
          return Denial.Channel;
        }
      }
    }
    return Denial.None;
  }

  // ACLCheckChannelAgainstList
  /** A channel matches the patterns; a PSUBSCRIBE pattern must be one of them, literally. */
  channelAllowed(channel: string, isPattern: boolean): boolean {
    return this.allChannels || this.channels.some((p) => (isPattern ? p === channel : globMatch(p, channel)));
  }

  // ACLSelectorHasUnrestrictedKeyAccess, for reads
  /** Whether every key may be read (allkeys, or a read pattern of `*`). */
  readsAnyKey(): boolean {
    return this.allKeys || this.keys.some((p) => (p.access & READ) === READ && p.pattern === '*');
  }

  // ACLSelectorCheckKey
  private keyAllowed(key: string, flags: readonly string[]): boolean {
    let need = 0;
    if (flags.includes('access')) need |= READ;
    if (flags.includes('insert') || flags.includes('delete') || flags.includes('update')) need |= WRITE;
    return this.keys.some((p) => (p.access & need) === need && globMatch(p.pattern, key));
  }
}

/** getChannelsFromCommand, for the channels ACLs judge: what is published to or subscribed. */
function channelsOf(cmd: Command, argv: readonly string[]): { index: number; pattern: boolean }[] {
  switch (cmd.name) {
    case 'publish': case 'spublish':
      return [{ index: 1, pattern: false }];
    case 'subscribe': case 'ssubscribe':
      return argv.slice(1).map((_, i) => ({ index: i + 1, pattern: false }));
    case 'psubscribe':
      return argv.slice(1).map((_, i) => ({ index: i + 1, pattern: true }));
    default:
      return [];
  }
}

/** ACLUserFlags, in the order ACL LIST and GETUSER name them. */
export interface UserFlags {
  enabled: boolean;
  nopass: boolean;
  /** 'sanitize-payload', 'skip-sanitize-payload' or neither. */
  sanitize: '' | 'sanitize-payload' | 'skip-sanitize-payload';
}

export class AclUser {
  flags: UserFlags = { enabled: false, nopass: false, sanitize: '' };
  /** SHA-256 hex of each password, in the order added. */
  passwords: string[] = [];
  selectors: Selector[];

  constructor(readonly name: string, pubsubAll: boolean) {
    const root = new Selector(true);
    root.allChannels = pubsubAll;
    this.selectors = [root];
  }

  get root(): Selector {
    return this.selectors[0]!;
  }

  /**
   * Nothing to check: every command, key and channel (the default user's usual state). A
   * field, set after each change, as every command reads it.
   */
  unrestricted = false;

  /** Takes another user's flags, passwords and selectors (ACL SETUSER's staged copy), keeping its identity. */
  adopt(from: AclUser): void {
    this.flags = from.flags;
    this.passwords = from.passwords;
    this.selectors = from.selectors;
    this.settle();
  }

  private settle(): void {
    const r = this.root;
    this.unrestricted = r.allCommands && r.allKeys && r.allChannels;
  }

  clone(): AclUser {
    const u = new AclUser(this.name, false);
    u.flags = { ...this.flags };
    u.passwords = [...this.passwords];
    u.selectors = this.selectors.map((s) => s.clone());
    u.settle();
    return u;
  }

  // ACLSetUser
  /** Applies one rule (pubsubAll: acl-pubsub-default is allchannels, for reset). */
  apply(op: string, pubsubAll: boolean): void {
    if (op === '') return;
    const lower = op.toLowerCase();
    if (lower === 'on' || lower === 'off') {
      this.flags.enabled = lower === 'on';
    } else if (lower === 'skip-sanitize-payload' || lower === 'sanitize-payload') {
      this.flags.sanitize = lower;
    } else if (lower === 'nopass' || lower === 'resetpass') {
      this.flags.nopass = lower === 'nopass';
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      const hash = op[0] === '>' ? hashPassword(op.slice(1)) : checkedHash(op.slice(1));
      if (!this.passwords.includes(hash)) this.passwords.push(hash);
      this.flags.nopass = false;
    } else if (op[0] === '<' || op[0] === '!') {
      const hash = op[0] === '<' ? hashPassword(op.slice(1)) : checkedHash(op.slice(1));
      const i = this.passwords.indexOf(hash);
      if (i < 0) throw new AclRuleError(RULE_ERRORS.noSuchPassword);
      this.passwords.splice(i, 1);
    } else if (op[0] === '(' && op.endsWith(')')) {
      const s = new Selector(false);
      for (const rule of op.slice(1, -1).split(' ')) if (rule !== '') s.apply(rule);
      this.selectors.push(s);
    } else if (lower === 'clearselectors') {
      this.selectors.length = 1;
    } else if (lower === 'reset') {
      for (const rule of ['resetpass', 'resetkeys', 'resetchannels', ...(pubsubAll ? ['allchannels'] : []), 'off',
        'sanitize-payload', 'clearselectors', '-@all']) this.apply(rule, pubsubAll);
    } else {
      this.root.apply(op);
    }
    this.settle();
  }

  // ACLDescribeUser
  /** The rules as ACL LIST shows them, after "user <name> ". */
  describe(): string {
    const parts = [...this.flagNames(), ...this.passwords.map((p) => `#${p}`), this.root.describe()];
    return [parts.join(' '), ...this.selectors.slice(1).map((s) => `(${s.describe()})`)].join(' ');
  }

  /** The flags as ACL GETUSER lists them. */
  flagNames(): string[] {
    const f = this.flags;
    return [f.enabled ? 'on' : 'off', ...(f.nopass ? ['nopass'] : []), ...(f.sanitize === '' ? [] : [f.sanitize])];
  }

  // ACLCheckAllUserCommandPerm
  /**
   * Denial.None when a selector allows argv; else the most telling denial (a key or channel
   * over the command, the last one refused over earlier ones) and the key or channel.
   */
  check(cmd: Command, argv: readonly string[]): { denial: Denial; object: string } {
    let denial: Denial = Denial.Command;
    const worst: Refused = { object: '', rank: 0 };
    const at: Refused = { object: '', rank: 0 };
    for (const s of this.selectors) {
      const d = s.check(cmd, argv, at);
      if (d === Denial.None) return { denial: d, object: '' };
      if (d > denial || (d === denial && at.rank > worst.rank)) {
        denial = d;
        worst.object = at.object;
        worst.rank = at.rank;
      }
    }
    return { denial, object: worst.object };
  }

  // ACLUserCheckCmdWithUnrestrictedKeyAccess, for reads
  /** Whether a selector that allows argv may also read any key (SORT's BY and GET patterns name keys of their own). */
  readsAnyKey(cmd: Command, argv: readonly string[]): boolean {
    if (this.unrestricted) return true;
    const at: Refused = { object: '', rank: 0 };
    return this.selectors.some((s) => s.check(cmd, argv, at) === Denial.None && s.readsAnyKey());
  }

  /** ACLCheckUserCredentials, the user found. */
  accepts(password: string): boolean {
    if (!this.flags.enabled) return false;
    if (this.flags.nopass) return true;
    return this.passwords.includes(hashPassword(password));
  }
}

export function hashPassword(password: string): string {
  return createHash('sha256').update(Buffer.from(password, 'latin1')).digest('hex');
}

function checkedHash(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new AclRuleError(RULE_ERRORS.badHash);
  return hash;
}

/**
 * ACLMergeSelectorArguments: a selector spread over several arguments, "(~x*" "+get)",
 * becomes one; `unmatched` is the index of an argument whose parenthesis is never closed.
 */
export function mergeSelectorArgs(args: readonly string[]): { rules: string[] } | { unmatched: number } {
  const rules: string[] = [];
  let open = -1;
  let selector = '';
  args.forEach((op, i) => {
    if (open < 0 && op.startsWith('(') && !op.endsWith(')')) {
      open = i;
      selector = op;
    } else if (open >= 0) {
      selector += ` ${op}`;
      if (op.endsWith(')')) {
        rules.push(selector);
        open = -1;
      }
    } else rules.push(op);
  });
  return open >= 0 ? { unmatched: open } : { rules };
}
