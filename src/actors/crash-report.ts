// The bug report Redis writes to its log when it crashes or panics (debug.c: bugReportStart,
// logStackTrace, printCrashReport's INFO and CLIENT LIST, bugReportEnd), with its markers and
// sections, the JS stack standing where Redis prints the C one: whoever reads the log finds
// the crash where Redis users look for it. Written with crash-log-enabled, as in Redis.
import { clientInfoString } from '../commands/client-cmd.js';
import { genInfoString } from '../commands/info.js';
import type { Server } from './server.js';

const START = '\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n';
const END = '\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n' +
  '       Please report the crash by opening an issue on github:\n\n' +
  '           http://github.com/redis/redis/issues\n\n' +
  "  If a Redis module was involved, please open in the module's repo instead.\n\n" +
  '  Suspect RAM error? Use redis-server --test-memory to verify it.\n\n' +
  '  Some other issues could be detected by redis-server --check-system\n';

/** Logs the report: the header lines at warning level, then the stack and the server's state. */
export function logBugReport(server: Server, header: readonly string[], stack: string): void {
  const log = server.log;
  log.raw(START);
  for (const line of header) log.warning(line);
  if (server.config.getBool('crash-log-enabled')) {
    log.raw(`\n------ STACK TRACE ------\n${stack}\n`);
    // What state there is to print may be what broke: the report goes on without it.
    for (const [title, text] of [['INFO OUTPUT', () => genInfoString(server, ['all'])],
      ['CLIENT LIST OUTPUT', () => [...server.clients.values()].map((c) => `${clientInfoString(c)}\n`).join('')]] as const) {
      let body: string;
      try {
        body = text();
      } catch (e) {
        body = `(failed: ${e instanceof Error ? e.message : String(e)})\n`;
      }
      log.raw(`\n------ ${title} ------\n${body}`);
    }
  }
  log.raw(END);
}
