// Redis's shared error replies, word for word (server.c createSharedObjects).
export const ERR = {
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  overflow: 'ERR increment or decrement would overflow',
  tooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  noSuchKey: 'ERR no such key',
  indexOutOfRange: 'ERR index out of range',
  dbIndexOutOfRange: 'ERR DB index is out of range',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  arity: (cmd: string) => `ERR wrong number of arguments for '${cmd}' command`,
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
} as const;

/** An argument as Redis's %.128s prints it into an error: up to its first NUL byte, at most max bytes. */
export function cstr(s: string, max = 128): string {
  const nul = s.indexOf('\0');
  return (nul < 0 ? s : s.slice(0, nul)).slice(0, max);
}

/** An argument as Redis's %s prints it: up to its first NUL byte. */
export const cs = (s: string): string => cstr(s, s.length);

export { WRONGTYPE } from '../store/values.js';
