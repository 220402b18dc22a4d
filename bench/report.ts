// Turns a BenchResult into the three files of a run: a markdown table, the
// JSON of every round, and an SVG bar chart of the ratios (hand-written, no
// dependency); and copies the markdown to latest.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Target } from './measure.js';
import type { BenchResult, MetricResult, Summary } from './runner.js';

/** About three significant digits, thousands separated. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 300);

function formatSummary(summary: Summary): string {
  if (summary.median === undefined) return `**failed**: ${oneLine(summary.errors[0] ?? 'no result')}`;
  let cell = formatNumber(summary.median);
  if (summary.values.length > 1) cell += ` (${formatNumber(summary.min!)}–${formatNumber(summary.max!)})`;
  if (summary.errors.length) cell += ` ⚠ ${summary.errors.length} failed: ${oneLine(summary.errors[0]!)}`;
  return cell;
}

function formatTarget(target: Target | undefined, unit: string): string {
  if (!target) return '';
  const op = target.op === '>=' ? '≥' : '≤';
  return target.kind === 'ratio' ? `ratio ${op} ${target.value}` : `redstate ${op} ${target.value} ${unit}`;
}

const status = (met: boolean | undefined) => (met === undefined ? '' : met ? '✅' : '❌');

export function renderMarkdown(result: BenchResult, svgFile?: string): string {
  const { meta } = result;
  const metrics = result.measures.flatMap((m) => m.metrics);
  const targets = metrics.filter((m) => m.target);
  const met = targets.filter((m) => m.met).length;
  const lines = [
    '# redstate vs redis-server',
    '',
    `- ${meta.startedAt.slice(0, 16).replace('T', ' ')} UTC, mode **${meta.mode}**, ${meta.rounds} round(s) per measure ` +
      `(server order alternating), took ${Math.floor(meta.durationSec / 60)} min ${meta.durationSec % 60} s`,
    `- commit ${meta.commit ?? 'unknown'}${meta.dirty ? ' with uncommitted changes' : ''}`,
    `- redstate: \`${meta.commands.redstate}\`; redis: \`${meta.commands.redis}\` (${meta.versions.redis}); node ${meta.versions.node}`,
    `- host: ${meta.host.cpus} × ${meta.host.cpuModel}, ${meta.host.memoryGb} GB, Linux ${meta.host.kernel}`,
    '- cells: median (min–max) over the rounds; ratio: redstate median / redis median',
    `- targets met: **${met} of ${targets.length}**`,
    '',
  ];
  if (svgFile) lines.push(`![ratios of redstate to redis](${svgFile})`, '');
  for (const measure of result.measures) {
    lines.push(`## ${measure.title}`, '', measure.description, '');
    lines.push('| metric | redstate | redis | ratio | target | |', '| --- | --: | --: | --: | --- | --- |');
    for (const m of measure.metrics) {
      const ratio = m.ratio === undefined ? '' : `${formatNumber(m.ratio)}×`;
      lines.push(
        `| ${m.label} (${m.unit}) | ${formatSummary(m.redstate)} | ${formatSummary(m.redis)} | ${ratio} | ` +
          `${formatTarget(m.target, m.unit)} | ${status(m.met)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** What a bar shows: redstate/redis, or redstate/limit for limit targets; the target on that scale. */
function barOf(m: MetricResult): { value?: number; target?: number; text: string } {
  if (m.target?.kind === 'limit') {
    const v = m.redstate.median;
    return {
      value: v === undefined ? undefined : Math.max(v, 1e-9) / m.target.value,
      target: 1,
      text: v === undefined ? 'failed' : `${formatNumber(v)} ${m.unit} (limit ${m.target.value})`,
    };
  }
  return {
    value: m.ratio,
    target: m.target?.value,
    text: m.ratio === undefined ? 'failed' : `${formatNumber(m.ratio)}×`,
  };
}

/** A horizontal bar chart on a log scale centred on 1 (equal to redis, or at the limit). */
export function renderSvg(result: BenchResult): string {
  const width = 960;
  const labelWidth = 360;
  const plot = { left: labelWidth + 10, right: width - 150 };
  const rowHeight = 20;
  const domain = [Math.log10(0.05), Math.log10(20)] as const;
  const x = (v: number) => {
    const t = (Math.log10(Math.min(20, Math.max(0.05, v))) - domain[0]) / (domain[1] - domain[0]);
    return plot.left + t * (plot.right - plot.left);
  };
  const body: string[] = [];
  let y = 70;
  for (const measure of result.measures) {
    const rows = measure.metrics.filter((m) => m.chart);
    if (!rows.length) continue;
    body.push(`<text x="10" y="${y + 14}" font-weight="bold">${escapeXml(measure.title)}</text>`);
    y += rowHeight;
    for (const m of rows) {
      const bar = barOf(m);
      const label = m.target?.kind === 'limit' ? `${m.label} ÷ limit` : m.label;
      body.push(`<text x="${labelWidth}" y="${y + 14}" text-anchor="end">${escapeXml(label)}</text>`);
      if (bar.value === undefined) {
        body.push(`<text x="${x(1) + 4}" y="${y + 14}" fill="#c62828">failed</text>`);
      } else {
        const color = m.met === undefined ? '#90a4ae' : m.met ? '#2e7d32' : '#c62828';
        const [a, b] = [x(1), x(bar.value)].sort((p, q) => p - q) as [number, number];
        body.push(`<rect x="${a.toFixed(1)}" y="${y + 4}" width="${Math.max(1, b - a).toFixed(1)}" height="12" fill="${color}"/>`);
        body.push(`<text x="${plot.right + 8}" y="${y + 14}">${escapeXml(bar.text)}</text>`);
      }
      if (bar.target !== undefined) {
        const tx = x(bar.target).toFixed(1);
        body.push(`<line x1="${tx}" x2="${tx}" y1="${y + 1}" y2="${y + 19}" stroke="#000" stroke-width="2"/>`);
      }
      y += rowHeight;
    }
    y += 6;
  }
  const ticks = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20].map((v) => {
    const tx = x(v).toFixed(1);
    const stroke = v === 1 ? '#333' : '#ddd';
    return `<line x1="${tx}" x2="${tx}" y1="50" y2="${y}" stroke="${stroke}"/>` +
      `<text x="${tx}" y="46" text-anchor="middle" fill="#555">${v}×</text>`;
  });
  const { meta } = result;
  const title = `redstate ÷ redis-server ${meta.versions.redis} (log scale), ${meta.mode} run, ` +
    `commit ${meta.commit ?? 'unknown'}, ${meta.startedAt.slice(0, 10)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 40}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="10" y="${y + 25}" fill="#555">Bars: redstate ÷ redis (or ÷ the limit); black tick: target; ` +
      `green: target met, red: missed, grey: no target. Median of the rounds.</text>`,
    ...ticks,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes <base>.md, <base>.json and <base>.svg into dir, and latest.md unless told not to. */
export function writeReports(result: BenchResult, dir: string, base: string, latest = true) {
  mkdirSync(dir, { recursive: true });
  const files = {
    markdown: join(dir, `${base}.md`),
    json: join(dir, `${base}.json`),
    svg: join(dir, `${base}.svg`),
    latest: latest ? join(dir, 'latest.md') : undefined,
  };
  const markdown = renderMarkdown(result, `${base}.svg`);
  writeFileSync(files.markdown, markdown);
  writeFileSync(files.json, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(files.svg, renderSvg(result));
  if (files.latest) {
    writeFileSync(files.latest, `${markdown}\n_A copy of [${base}.md](${base}.md); data: [${base}.json](${base}.json)._\n`);
  }
  return { ...files, text: markdown };
}
