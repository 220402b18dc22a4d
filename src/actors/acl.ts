// The server's ACL state (acl.c's Users, DefaultUser and ACLLog): the users by name, the
// default user every connection starts as, requirepass kept as the default user's password,
// the users of the config file or the ACL file at start-up, and the log of refusals.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { AclRuleError, AclUser, Denial, mergeSelectorArgs, RULE_ERRORS, Selector } from '../commands/acl-users.js';
import { clientInfoString } from '../commands/client-cmd.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

/** ACL_LOG_CTX_*. */
export type LogContext = 'toplevel' | 'multi' | 'lua';

export interface AclLogEntry {
  count: number;
  reason: 'command' | 'key' | 'channel' | 'auth';
  context: LogContext;
  object: string;
  username: string;
  /** Unix ms of its last occurrence. */
  at: number;
  clientInfo: string;
}

const REASONS = { [Denial.Command]: 'command', [Denial.Key]: 'key', [Denial.Channel]: 'channel', [Denial.Auth]: 'auth' } as const;

/** ACL_LOG_GROUPING_MAX_TIME_DELTA: the same refusal within a minute counts in one entry. */
const GROUPING_MS = 60_000;

export class Acl {
  readonly users = new Map<string, AclUser>();
  readonly defaultUser: AclUser;
  /** Newest first. */
  readonly log: AclLogEntry[] = [];

  constructor(private readonly server: Server) {
    this.defaultUser = this.createDefault();
    this.users.set('default', this.defaultUser);
    this.updateDefaultPassword();
    server.config.watch((name) => {
      if (name === 'requirepass') this.updateDefaultPassword();
    });
  }

  // ACLCreateDefaultUser
  private createDefault(): AclUser {
    const u = new AclUser('default', false);
    for (const rule of ['+@all', '~*', '&*', 'on', 'nopass']) u.apply(rule, false);
    return u;
  }

  /** acl-pubsub-default: whether a new user starts with every channel. */
  get pubsubAll(): boolean {
    return this.server.config.get('acl-pubsub-default') === 'allchannels';
  }

  // ACLUpdateDefaultUserPassword
  private updateDefaultPassword(): void {
    const pass = this.server.config.get('requirepass')!;
    this.defaultUser.apply('resetpass', false);
    this.defaultUser.apply(pass === '' ? 'nopass' : `>${pass}`, false);
  }

  /** A new connection's state (clientSetDefaultAuth). */
  defaultAuth(c: Client): void {
    c.user = this.defaultUser;
    const f = this.defaultUser.flags;
    c.setAuthenticated(f.nopass && f.enabled);
  }

  // ACLAuthenticateUser
  /** AUTH and HELLO AUTH: false, and a log entry, when the pair is refused. */
  authenticate(c: Client, name: string, password: string, commandName: string): boolean {
    const u = this.users.get(name);
    if (u !== undefined && u.accepts(password)) {
      c.user = u;
      c.setAuthenticated(true);
      return true;
    }
    this.addLog(c, Denial.Auth, c.multi !== null ? 'multi' : 'toplevel', commandName, name);
    return false;
  }

  // ACL SETUSER's staging: every rule on a copy, the user changed only if all apply
  /** Null when applied, else the error to reply. */
  setUser(name: string, args: readonly string[]): string | null {
    if (/[ \0]/.test(name)) return "ERR Usernames can't contain spaces or null characters";
    const merged = mergeSelectorArgs(args);
    if ('unmatched' in merged) return `ERR Unmatched parenthesis in acl selector starting at '${args[merged.unmatched]}'.`;
    const existing = this.users.get(name);
    const staged = existing?.clone() ?? new AclUser(name, this.pubsubAll);
    for (const rule of merged.rules) {
      try {
        staged.apply(rule, this.pubsubAll);
      } catch (e) {
        if (!(e instanceof AclRuleError)) throw e;
        return `ERR Error in ACL SETUSER modifier '${rule}': ${e.message}`;
      }
    }
    if (existing !== undefined) {
      this.killPubsubClientsIfNeeded(staged, existing);
      existing.adopt(staged);
    } else {
      this.users.set(name, staged);
    }
    return null;
  }

  // ACLKillPubsubClientsIfNeeded
  /** The user's subscribers whose channels the new rules no longer allow are closed. */
  private killPubsubClientsIfNeeded(next: AclUser, prev: AclUser): void {
    if (next.selectors.some((s) => s.allChannels)) return;
    const allowed = next.selectors.flatMap((s) => s.channels);
    // Nothing to check when the new channels include all the old ones (allchannels is not among them).
    if (prev.selectors.every((s) => !s.allChannels && s.channels.every((ch) => allowed.includes(ch)))) return;
    const probe = new Selector(false);
    probe.channels.push(...allowed);
    for (const c of [...this.server.clients.values()]) {
      if (c.user !== prev || !c.inPubSub) continue;
      const subs = c.subscriptions;
      const denied = [...subs.pattern].some((p) => !probe.channelAllowed(p, true)) ||
        [...subs.channel, ...subs.shard].some((ch) => !probe.channelAllowed(ch, false));
      if (denied) c.drop();
    }
  }

  // ACL DELUSER: ACLFreeUserAndKillClients
  /** The users removed; their connections close after this reply (the caller's own too). */
  deleteUsers(names: readonly string[], caller: Client): number {
    let deleted = 0;
    for (const name of names) {
      const u = this.users.get(name);
      if (u === undefined) continue;
      this.users.delete(name);
      deleted++;
      this.closeClientsOf(u, caller);
    }
    return deleted;
  }

  /** ACLFreeUserAndKillClients' part for the connections: unauthenticated, then closed. */
  private closeClientsOf(u: AclUser, caller: Client | null): void {
    for (const c of [...this.server.clients.values()]) {
      if (c.user !== u) continue;
      c.user = this.defaultUser;
      c.setAuthenticated(false);
      if (c === caller) c.closeAfterReply = true;
      else c.close();
    }
  }

  // addACLLogEntry
  /** Records a refusal; the same one within a minute (among the last 10) counts in its entry. */
  addLog(c: Client, denial: Denial, context: LogContext, object: string, username = c.user.name): void {
    const reason = REASONS[denial as keyof typeof REASONS];
    const now = Date.now();
    const clientInfo = clientInfoString(c);
    const scan = Math.min(10, this.log.length);
    for (let i = 0; i < scan; i++) {
      const e = this.log[i]!;
      if (e.reason === reason && e.context === context && Math.abs(e.at - now) <= GROUPING_MS && e.object === object && e.username === username) {
        this.log.splice(i, 1);
        this.log.unshift(e);
        e.count++;
        e.at = now;
        e.clientInfo = clientInfo;
        return;
      }
    }
    this.log.unshift({ count: 1, reason, context, object, username, at: now, clientInfo });
    const max = this.server.config.getInt('acllog-max-len');
    if (this.log.length > max) this.log.length = max;
  }

  // ACLLoadUsersAtStartup
  /** The config file's user lines, or the ACL file: an error stops the start-up (thrown as a message). */
  loadAtStartup(userLines: readonly string[][]): void {
    const file = this.server.config.get('aclfile')!;
    if (file !== '' && userLines.length > 0) {
      throw new Error('Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. ' +
        'This setup is very likely to lead to configuration errors and security holes, please define either an ACL file ' +
        'or declare users directly in your redis.conf, but not both.');
    }
    const seen = new Set<string>();
    for (const [name, ...rules] of userLines) {
      if (name === undefined) continue;
      if (seen.has(name)) throw new Error(`Error in user declaration '${name}': ${RULE_ERRORS.duplicateUser}`);
      seen.add(name);
      if (/[ \0]/.test(name)) throw new Error('Spaces not allowed in ACL usernames');
      const merged = mergeSelectorArgs(rules);
      if ('unmatched' in merged) throw new Error(`Unmatched parenthesis in acl selector starting at '${rules[merged.unmatched]}'.`);
      let u = this.users.get(name);
      if (u === undefined) this.users.set(name, (u = new AclUser(name, this.pubsubAll)));
      else u.apply('reset', this.pubsubAll);
      for (const rule of merged.rules) {
        try {
          u.apply(rule, this.pubsubAll);
        } catch (e) {
          if (!(e instanceof AclRuleError)) throw e;
          throw new Error(`Error loading ACL rule '${rule}' for the user named '${name}': ${e.message}`);
        }
      }
      if (!u.flags.enabled) {
        this.server.log.notice(`The user '${name}' is disabled (there is no 'on' modifier in the user description). ` +
          'Make sure this is not a configuration error.');
      }
    }
    if (file !== '') {
      const errors = this.loadFile();
      if (errors !== null) throw new Error(`Aborting Redis startup because of ACL errors: ${errors}`);
    }
  }

  // ACLLoadFromFile
  /**
   * Replaces every user with the ACL file's, all or nothing: null, or every problem found.
   * The connections of the users replaced close (the caller's after this reply).
   */
  loadFile(caller: Client | null = null): string | null {
    const file = this.server.config.get('aclfile')!;
    let text: string;
    try {
      text = readFileSync(this.server.config.path('aclfile'), 'latin1');
    } catch (e) {
      return `Error loading ACLs, opening file '${file}': ${(e as NodeJS.ErrnoException).message}`;
    }
    const loaded = new Map<string, AclUser>();
    let errors = '';
    text.split('\n').forEach((raw, i) => {
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') return;
      const argv = line.split(' ').filter((a) => a !== '');
      if (argv.length === 0) return;
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${file}:${i + 1} should start with user keyword followed by the username. `;
        return;
      }
      const name = argv[1]!;
      if (loaded.has(name)) {
        errors += `WARNING: Duplicate user '${name}' found on line ${i + 1}. `;
        return;
      }
      const u = new AclUser(name, this.pubsubAll);
      loaded.set(name, u);
      const merged = mergeSelectorArgs(argv.slice(2));
      if ('unmatched' in merged) {
        errors += `${file}:${i + 1}: Unmatched parenthesis in selector definition.`;
        return;
      }
      for (const rule of merged.rules) {
        try {
          u.apply(rule, this.pubsubAll);
        } catch (e) {
          if (!(e instanceof AclRuleError)) throw e;
          errors += `${file}:${i + 1}: Error in applying operation '${rule}': ${e.message}. `;
        }
      }
    });
    if (errors !== '') return `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed`;
    const fresh = loaded.get('default') ?? this.createDefault();
    this.defaultUser.adopt(fresh);
    loaded.set('default', this.defaultUser);
    for (const u of this.users.values()) if (u !== this.defaultUser) this.closeClientsOf(u, caller);
    this.users.clear();
    for (const [name, u] of [...loaded].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) this.users.set(name, u);
    return null;
  }

  // ACLSaveToFile
  /** Writes every user as a `user` line through a temp file; false (and a log line) on failure. */
  saveFile(): boolean {
    const file = this.server.config.path('aclfile');
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    try {
      writeFileSync(tmp, this.userLines().map((l) => `${l}\n`).join(''), { mode: 0o644 });
      renameSync(tmp, file);
      return true;
    } catch (e) {
      this.server.log.warning(`Writing ACL file for ACL SAVE: ${(e as Error).message}`);
      return false;
    }
  }

  /** "user <name> <rules>" of every user, by name (ACL LIST, ACL SAVE, CONFIG REWRITE). */
  userLines(): string[] {
    return this.sortedUsers().map((u) => `user ${u.name} ${u.describe()}`);
  }

  /** The users in the order of Redis's radix tree: by name, bytewise. */
  sortedUsers(): AclUser[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
