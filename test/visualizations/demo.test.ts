// npm run demo's script: it prints the inspector URL, cuts replica links, and Ctrl-C (SIGINT)
// stops every server it started and removes its temp dir.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/servers.js';
import { get, until } from '../inspector/pages.js';

const listening = (port: number): Promise<boolean> => new Promise((r) => {
  const s = connect({ port, host: '127.0.0.1' }, () => {
    s.destroy();
    r(true);
  });
  s.once('error', () => r(false));
});

describe('npm run demo', () => {
  it('prints the URL, cuts links, and leaves nothing behind on Ctrl-C', async () => {
    const demo = spawn(process.execPath, ['--import', './bench/register.js', 'visualizations/demo.ts'], {
      cwd: ROOT, env: { ...process.env, DEMO_CUT_MS: '400' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    demo.stdout.on('data', (b: Buffer) => (out += b.toString()));
    demo.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
    const url = await until(() => /watch the statecharts: (http:\S+)/.exec(out)?.[1], `the URL in:\n${out}`, 30_000);
    const dir = /data and logs in (\S+)/.exec(out)![1]!;
    const ports = [...out.matchAll(/redis:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    const inspectors = [new URL(url).port, ...new URL(url).searchParams.get('servers')!.split(',').map((h) => h.split(':')[1])].map(Number);
    expect(ports).toHaveLength(3);
    expect(inspectors).toHaveLength(3);
    for (const p of inspectors) expect((await get(p, '/')).status).toBe(200);
    await until(() => out.includes("cut replica-2's link"), 'two cuts', 30_000);
    expect(existsSync(join(dir, 'master'))).toBe(true);

    demo.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('nothing left behind');
    expect(existsSync(dir)).toBe(false);
    for (const p of [...ports, ...inspectors]) expect(await listening(p), `port ${p}`).toBe(false);
  });
});
