// The text Redis logs for a failed system call (strerror, gai_strerror) from Node's error for
// it: libuv's message with a capital, which is glibc's for most errors; the ones that differ
// are named here. Also the Error a binding's failed call makes, as node's own calls make it.
import { getSystemErrorMap, getSystemErrorName } from 'node:util';

const GLIBC: Record<string, string> = {
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EHOSTUNREACH: 'No route to host',
  EAI_NONAME: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
};

/** A libuv status from one of node's bindings as the error node's own calls give (errnoException): "write EPIPE". */
export function errnoException(status: number, syscall: string): NodeJS.ErrnoException {
  const code = getSystemErrorName(status);
  return Object.assign(new Error(`${syscall} ${code}`), { errno: status, code, syscall });
}

/** strerror's text for err ("Connection refused"), or its message when it carries no errno. */
export function strerror(err: Error): string {
  const errno = (err as NodeJS.ErrnoException).errno;
  const known = errno === undefined ? undefined : getSystemErrorMap().get(errno);
  if (known === undefined) return err.message;
  const [name, text] = known;
  return GLIBC[name] ?? text.charAt(0).toUpperCase() + text.slice(1);
}
