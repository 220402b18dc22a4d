// The permission check every command passes (ACLCheckAllPerm with its log entry), for
// processCommand, EXEC and scripts, each of which words a refusal its own way.
import type { LogContext } from '../actors/acl.js';
import type { Client } from '../actors/client.js';
import { Denial, type AclUser } from './acl-users.js';
import type { Command } from './command.js';

// ACLCheckAllPerm, then addACLLogEntry on a refusal
/**
 * Whether user may run argv (cmd: the subcommand for a container's call): Denial.None, or
 * why not, logged for `by` (the caller of a script for its commands).
 */
export function checkAcl(by: Client, user: AclUser, cmd: Command, argv: readonly string[], context: LogContext): Denial {
  if (user.unrestricted) return Denial.None;
  const { denial, object } = user.check(cmd, argv);
  if (denial !== Denial.None) by.server.acl.addLog(by, denial, context, denial === Denial.Command ? cmd.name : object, user.name);
  return denial;
}

/** processCommand's NOPERM replies. */
export function nopermReply(denial: Denial, cmd: Command): string {
  if (denial === Denial.Command) return `NOPERM this user has no permissions to run the '${cmd.name}' command`;
  if (denial === Denial.Key) return 'NOPERM this user has no permissions to access one of the keys used as arguments';
  return 'NOPERM this user has no permissions to access one of the channels used as arguments';
}

/** execCommand's: the rules changed between MULTI and EXEC. */
export function execNopermReply(denial: Denial): string {
  const reason = denial === Denial.Command ? 'no permission to execute the command or subcommand'
    : denial === Denial.Key ? 'no permission to touch the specified keys'
      : 'no permission to access one of the channels used as arguments';
  return 'NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. ' +
    `This command is no longer allowed for the following reason: ${reason}`;
}

// getAclErrorMessage
/** scriptVerifyACL's, after "The user executing the script ". */
export function scriptAclMessage(denial: Denial): string {
  if (denial === Denial.Command) return "can't run this command or subcommand";
  if (denial === Denial.Key) return "can't access at least one of the keys mentioned in the command arguments";
  return "can't publish to the channel mentioned in the command";
}
