/** The human report: machine, the table, the chart, what failed or is missing, and how each row was measured. */
import type { RowReport } from '../lib/rows';
import type { Results } from './results';
import { figures, formatRatio, goalCell, missingNotes } from './table';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderMarkdown(results: Results, svgFile: string): string {
  const m = results.machine;
  const lines: string[] = [
    `# nuwa benchmark — ${results.date.slice(0, 16).replace('T', ' ')} UTC` +
      `${results.quick ? ' (quick run: few samples, not for conclusions)' : ''}`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryMB} MB, Linux ${m.kernel}, Node ${m.node}; ` +
      `subjects ran with ${m.environment ?? "the caller's environment"}. ` +
      `nuwa ${m.nuwa}; Debian s6 ${m.s6}, tini ${m.tini}, dumb-init ${m.dumbInit}. ` +
      `The run took ${Math.floor(results.durationSeconds / 60)} min ${results.durationSeconds % 60} s. ` +
      `Load average (1 min) ${m.load.start.toFixed(2)} at the start, ${m.load.end.toFixed(2)} at the end: ` +
      "other work on the machine adds noise (the reaping scenario's own 1,000 processes lift it too). " +
      'Per scenario (seconds, load before → after): ' +
      `${results.scenarios.map((s) => `${s.name} ${s.seconds} s, ${s.load[0].toFixed(1)} → ${s.load[1].toFixed(1)}`).join('; ')}.`,
    ...(m.reclaim === 'none detected'
      ? []
      : [
          '',
          `This machine's kernel runs proactive reclaim (${m.reclaim}): memory a process has not touched for a while is ` +
            'paged out, so the RSS of an idle process shrinks (nuwa’s file-backed pages of the Node binary go first) and ' +
            'touching it again costs major page faults, i.e. extra wake-ups. Memory rows are comparable within this run only.',
        ]),
    '',
    'Every figure is measured in this run for nuwa and for its peer, on the same machine. p50 = median, p99 by nearest rank ' +
      '(a measured sample, no interpolation); "nuwa/peer" = ratio of the p50s (below 1: nuwa is lower). n is the number of ' +
      'samples after warm-up. "—" where a row is a single measurement. Rows marked + go beyond the issue’s list.',
    '',
    '| # | measured | unit | nuwa | n | p50 | p99 | peer | n | p50 | p99 | nuwa/peer | goal (nuwa) |',
    '|---|---|---|---|--:|--:|--:|---|--:|--:|--:|--:|---|',
  ];
  for (const row of results.rows) {
    const a = figures(row.nuwa);
    const b = figures(row.peerResult);
    const shown = (r: RowReport['nuwa'], p50: string) => (r.status === 'measured' ? p50 : `*${r.status}*`);
    lines.push(
      `| ${row.item || '+'} | ${cell(row.title)} | ${row.unit} | ${cell(row.subject)} | ${a.n} | ${shown(row.nuwa, a.p50)} | ${a.p99} | ` +
        `${cell(row.peer)} | ${b.n} | ${shown(row.peerResult, b.p50)} | ${b.p99} | ${formatRatio(row.ratio)} | ${cell(goalCell(row))} |`,
    );
  }
  lines.push('', `![nuwa vs peers, p50 and p99 per row](${svgFile})`, '');
  const notes = missingNotes(results.rows);
  if (notes.length) {
    lines.push('## Rows without a figure', '', ...notes.map((n) => `- ${cell(n)}`), '');
  }
  const extra = results.rows.flatMap((row) =>
    (
      [
        [row.subject, row.nuwa],
        [row.peer, row.peerResult],
      ] as const
    ).flatMap(([who, o]) => (o.status === 'measured' && o.note ? [`- ${row.id} (${who}): ${o.note}`] : [])),
  );
  if (extra.length) lines.push('## Notes on figures', '', ...extra, '');
  lines.push('## How each row is measured', '');
  lines.push(
    'General: every supervision tree and every init runs as PID 1 of its own PID namespace (`unshare -p -f --mount-proc`), ' +
      'as in a container. Services are a small C program used directly as `run` (no shell), so the exec being timed is the ' +
      'service’s own. Times come from CLOCK_MONOTONIC, read by C probes inside the measured window (Node’s process.hrtime ' +
      'reads the same clock when the harness itself causes the event). The machine is shared and small: trust medians, ' +
      'read p99 as “how bad it gets here”.',
    '',
  );
  for (const row of results.rows)
    lines.push(`- **${row.item || '+'}. ${cell(row.title)}** (${row.unit}; ${cell(row.subject)} vs ${cell(row.peer)}): ${row.method}`);
  lines.push('');
  return `${lines.join('\n')}`;
}
