import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { StoreKind } from './switchboard.ts';

export type Status = 'ok' | 'unavailable' | 'error';

/** One line of the report: a figure of ours beside the baseline's, and the target it is held to. */
export interface Row {
  store: StoreKind;
  scenario: string;
  metric: string;
  unit: string;
  ours: number | null;
  baseline: number | null;
  /** ours / baseline. */
  ratio: number | null;
  /** e.g. "≥ 5000"; only the embedded store is held to the issue's targets. */
  target?: string;
  met?: boolean | null;
  status: Status;
  note?: string;
}

export interface Target {
  op: '>=' | '<=' | '<';
  value: number;
}

export function check(target: Target, value: number | null): boolean | null {
  if (value === null || !Number.isFinite(value)) return null;
  if (target.op === '>=') return value >= target.value;
  if (target.op === '<=') return value <= target.value;
  return value < target.value;
}

export function targetText(target: Target): string {
  return `${target.op === '>=' ? '≥' : target.op === '<=' ? '≤' : '<'} ${target.value}`;
}

export function row(
  base: Pick<Row, 'store' | 'scenario' | 'metric' | 'unit'> & { note?: string },
  ours: number | null,
  baseline: number | null,
  target?: Target,
): Row {
  const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
  ours = finite(ours);
  baseline = finite(baseline);
  const ratio = ours !== null && baseline !== null && baseline !== 0 ? ours / baseline : null;
  const judged = target && base.store === 'sqlite';
  return {
    ...base,
    ours,
    baseline,
    ratio,
    ...(judged ? { target: targetText(target), met: check(target, ours) } : {}),
    status: 'ok',
  };
}

export function unavailable(
  store: StoreKind,
  scenario: string,
  why: string,
  status: Status = 'unavailable',
): Row {
  return {
    store,
    scenario,
    metric: '—',
    unit: '',
    ours: null,
    baseline: null,
    ratio: null,
    status,
    note: why,
  };
}

export interface Meta {
  date: string;
  mode: 'full' | 'quick';
  node: string;
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  commit: string;
  dirty: boolean;
  openFiles: { soft: number; hard: number };
  /** Share of all cores busy (any process) in the second before the run, and load averages. */
  busyBefore?: number;
  loadAverage?: number[];
  seconds?: number;
}

function cpuTimes(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  const total = line.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** The share of the machine's CPU that is busy over `ms` (other people's tests skew a benchmark). */
export async function machineBusy(ms = 1000): Promise<number> {
  try {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, ms));
    const b = cpuTimes();
    return (b.busy - a.busy) / Math.max(1, b.total - a.total);
  } catch {
    return Number.NaN;
  }
}

export function machineMeta(mode: 'full' | 'quick', openFiles: { soft: number; hard: number }): Meta {
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    dirty =
      execFileSync('git', ['status', '--porcelain', '--', '../server'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    mode,
    node: process.version,
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${process.platform} ${release()}`,
    commit,
    dirty,
    openFiles,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function fmt(value: number | null, unit = ''): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${text}` : text;
}

function verdict(r: Row): string {
  if (r.status !== 'ok') return r.status;
  if (r.met === undefined) return '';
  if (r.met === null) return '?';
  return r.met ? 'met' : 'MISSED';
}

const HEADERS = ['store', 'scenario', 'metric', 'ours', 'baseline', 'ratio', 'target', 'status'];

function cells(r: Row): string[] {
  return [
    r.store,
    r.scenario,
    r.unit ? `${r.metric} (${r.unit})` : r.metric,
    fmt(r.ours),
    fmt(r.baseline),
    r.ratio === null ? '—' : r.ratio.toFixed(2),
    r.target ?? '',
    verdict(r),
  ];
}

export function printTable(rows: Row[]): string {
  const table = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  const lines = table.map((line) =>
    line
      .map((cell, i) => (i >= 3 && i <= 5 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  '),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const notes = rows.filter((r) => r.note).map((r) => `  [${r.store} ${r.scenario}] ${r.note}`);
  return [...lines, ...(notes.length ? ['', 'Notes:', ...notes] : [])].join('\n');
}

export function markdown(meta: Meta, rows: Row[], details: Record<string, unknown>): string {
  const head = `| ${HEADERS.join(' | ')} |\n|${HEADERS.map((_, i) => (i >= 3 && i <= 5 ? '---:' : '---')).join('|')}|`;
  const body = rows.map((r) => `| ${cells(r).join(' | ')} |`).join('\n');
  const notes = rows.filter((r) => r.note).map((r) => `- **${r.store} ${r.scenario}** — ${r.note}`);
  return [
    `# Switchboard benchmark — ${meta.mode} run`,
    '',
    `- date: ${meta.date}`,
    `- machine: ${meta.cores} cores (${meta.cpuModel}), ${meta.memoryGiB} GiB memory, ${meta.os}`,
    `- Node ${meta.node}; open files soft/hard ${meta.openFiles.soft}/${meta.openFiles.hard}`,
    `- machine busy before the run: ${meta.busyBefore === undefined ? '?' : `${Math.round(meta.busyBefore * 100)}%`} of all cores; load average ${meta.loadAverage?.join(' ') ?? '?'}`,
    `- commit: ${meta.commit}${meta.dirty ? ' (server/ had uncommitted changes)' : ''}`,
    ...(meta.seconds ? [`- wall time: ${Math.round(meta.seconds)} s`] : []),
    '',
    'ratio = ours / baseline, both measured in this run on this machine. Only the embedded store (sqlite) is held to the targets of issue 6.',
    '',
    head,
    body,
    '',
    ...(notes.length ? ['## Notes', '', ...notes, ''] : []),
    '## Details',
    '',
    '```json',
    JSON.stringify(details, null, 2),
    '```',
    '',
  ].join('\n');
}

export function writeReport(
  dir: string,
  name: string,
  meta: Meta,
  rows: Row[],
  details: Record<string, unknown>,
): string[] {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const md = join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify({ meta, rows, details }, null, 2)}\n`);
  writeFileSync(md, markdown(meta, rows, details));
  return [json, md];
}
