// Where the inspector's page lives on disk, and the one function that maps a request path
// to a file under it: nothing outside the asset directories can ever be named.
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A URL prefix served from a directory: '/' from the built page, '/charts/' from the static charts. */
export interface AssetRoot {
  prefix: string;
  dir: string;
}

/**
 * The repository's visualizations/ dir: two levels up from src/inspector (tests) and
 * dist/inspector, one from dist/cli.js (the bundle the server runs as: scripts/bundle-cli.mjs).
 */
const VISUALIZATIONS = fileURLToPath(new URL(import.meta.url.endsWith('/dist/cli.js') ? '../visualizations/' : '../../visualizations/', import.meta.url));

export const PAGE_ROOTS: AssetRoot[] = [
  { prefix: '/charts/', dir: join(VISUALIZATIONS, 'charts') },
  { prefix: '/', dir: join(VISUALIZATIONS, 'page') },
];

export type AssetLookup = { status: 200; file: string; ext: string } | { status: 400 | 403 | 404 };

/**
 * The file a request URL names, or the HTTP status that refuses it: 400 for a path that
 * does not decode, 403 for one that climbs out (`..`) or names a hidden file, 404 otherwise.
 */
export function resolveAsset(roots: AssetRoot[], url: string): AssetLookup {
  const raw = url.split(/[?#]/, 1)[0]!;
  if (!raw.startsWith('/')) return { status: 400 };
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return { status: 400 };
  }
  if (path.includes('\0')) return { status: 400 };
  const parts = path.split(/[/\\]/);
  if (parts.some((p) => p === '..' || (p.startsWith('.') && p !== ''))) return { status: 403 };
  if (path.endsWith('/')) path += 'index.html';
  for (const root of roots) {
    if (!path.startsWith(root.prefix)) continue;
    const dir = resolve(root.dir);
    const file = resolve(dir, path.slice(root.prefix.length));
    if (!file.startsWith(dir + sep)) return { status: 403 };
    return { status: 200, file, ext: extname(file).toLowerCase() };
  }
  return { status: 404 };
}
