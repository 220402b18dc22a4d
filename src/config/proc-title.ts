// proc-title-template (server.c's expandProcTitleTemplate over sds.c's sdstemplate): the
// process title `ps` shows, "{title} {listen-addr} {server-mode}" by default. {x} is a
// variable, {{ a literal "{"; an unknown variable or an unclosed one makes the template invalid.

/** The variables a template may name, as redisProcTitleGetVariable knows them. */
export const PROC_TITLE_VARIABLES = ['title', 'listen-addr', 'server-mode', 'config-file', 'port', 'tls-port', 'unixsocket'] as const;
export type ProcTitleVariable = typeof PROC_TITLE_VARIABLES[number];

/** The template with each variable's value, trimmed of spaces; null when it is invalid. */
export function expandProcTitle(template: string, value: (name: ProcTitleVariable) => string): string | null {
  let out = '';
  let p = 0;
  for (;;) {
    const open = template.indexOf('{', p);
    if (open < 0) {
      out += template.slice(p);
      break;
    }
    out += template.slice(p, open);
    if (open + 1 === template.length) return null;
    if (template[open + 1] === '{') {
      out += '{';
      p = open + 2;
      continue;
    }
    const close = template.indexOf('}', open + 1);
    if (close < 0) return null;
    const name = template.slice(open + 1, close);
    if (!(PROC_TITLE_VARIABLES as readonly string[]).includes(name)) return null;
    out += value(name as ProcTitleVariable);
    p = close + 1;
  }
  return out.replace(/^ +| +$/g, '');
}

/**
 * validateProcTitleTemplate: valid, and not blank once expanded with an empty title (the
 * address, ports and config file are never empty; the mode and the unix socket may be).
 */
export function validProcTitleTemplate(template: string): boolean {
  const title = expandProcTitle(template, (name) => (name === 'title' || name === 'server-mode' || name === 'unixsocket' ? '' : '-'));
  return title !== null && title !== '';
}
