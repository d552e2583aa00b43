/** Writes a run's results: <stamp>.json (everything, raw samples included), <stamp>.md and <stamp>.svg. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RowReport } from '../lib/rows';
import { renderMarkdown } from './markdown';
import { renderSvg } from './svg';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryMB: number;
  kernel: string;
  /** The Node nuwa's executable is built on (and the one that ran the bench). */
  node: string;
  /** The environment every subject ran with. */
  environment?: string;
  nuwa: string;
  s6: string;
  tini: string;
  dumbInit: string;
  /** Proactive memory reclaim by the kernel (DAMON pageout), which shrinks the RSS of idle processes. */
  reclaim: string;
  /** 1-minute load average when the run started and when it ended: how busy the machine was besides us. */
  load: { start: number; end: number };
}

export interface ScenarioRun {
  name: string;
  seconds: number;
  /** 1-minute load average before and after the scenario. */
  load: [number, number];
}

export interface Results {
  date: string;
  quick: boolean;
  scenarios: ScenarioRun[];
  durationSeconds: number;
  machine: Machine;
  rows: RowReport[];
}

/** "2025-11-25T0941Z" (UTC), plus "-quick" for quick runs. */
export function stampOf(results: Results): string {
  const d = results.date;
  return `${d.slice(0, 10)}T${d.slice(11, 13)}${d.slice(14, 16)}Z${results.quick ? '-quick' : ''}`;
}

/** Pretty JSON, but arrays of numbers on one line (thousands of samples would otherwise take a line each). */
export function toJson(results: Results): string {
  const text = JSON.stringify(results, (_key, value: unknown) => (typeof value === 'number' ? Math.round(value * 1e4) / 1e4 : value), 2);
  return `${text.replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g, (_m, items: string) => `[${items.split(/,\s+/).join(', ')}]`)}\n`;
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/**
 * Writes the run as `runs/<stamp>.{json,svg,md}` and, given `latest` (complete full runs only), also as
 * `latest/latest.{json,svg,md}`: the one run the repository keeps. Returns the files written.
 */
export function writeResults(results: Results, dirs: { runs: string; latest?: string }): string[] {
  const stamp = stampOf(results);
  const title = `nuwa vs peers — ${results.date.slice(0, 10)}${results.quick ? ' (quick)' : ''}`;
  const svg = renderSvg(results.rows, title);
  const files: Array<[string, string]> = [
    [path.join(dirs.runs, `${stamp}.json`), toJson(results)],
    [path.join(dirs.runs, `${stamp}.svg`), svg],
    [path.join(dirs.runs, `${stamp}.md`), renderMarkdown(results, `${stamp}.svg`)],
  ];
  if (dirs.latest !== undefined) {
    const latest = dirs.latest;
    files.push(
      [path.join(latest, 'latest.svg'), svg],
      [path.join(latest, 'latest.md'), renderMarkdown(results, 'latest.svg')],
      [path.join(latest, 'latest.json'), toJson(results)],
    );
  }
  for (const [file, text] of files) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeAtomic(file, text);
  }
  return files.map(([file]) => file);
}
