// The files a config `include` pattern names, as glob(3) with no flags finds them for
// loadServerConfig: any component may hold wildcards, a wildcard never matches a leading
// dot, and the paths come sorted (byte order, the C locale's). A component is matched as
// Redis's own glob matcher matches (globMatch), with fnmatch's `[!...]` read as `[^...]`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { globMatch, hasWildcards } from '../commands/glob.js';

/** The existing files (directories left out) whose paths match pattern; none is no error. */
export function globFiles(pattern: string): string[] {
  let paths = [pattern.startsWith('/') ? '/' : ''];
  for (const part of pattern.split('/').filter((p) => p !== '')) {
    if (!hasWildcards(part)) {
      paths = paths.map((base) => join(base, part));
      continue;
    }
    const component = part.replace(/(^|[^\\])\[!/g, '$1[^');
    const next: string[] = [];
    for (const base of paths) {
      let names: string[];
      try {
        names = readdirSync(base === '' ? '.' : base);
      } catch {
        continue;
      }
      for (const name of names) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (globMatch(component, name)) next.push(join(base, name));
      }
    }
    paths = next;
  }
  return paths.filter(isFile).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
