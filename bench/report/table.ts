/** The results as a fixed-width table for the terminal. */
import type { OutcomeReport, RowReport } from '../lib/rows';

export function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1000) return x.toFixed(0);
  if (abs >= 100) return x.toFixed(1);
  if (abs >= 10) return x.toFixed(2);
  if (abs >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '—';
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×`;
}

export function figures(outcome: OutcomeReport): { n: string; p50: string; p99: string } {
  if (outcome.status !== 'measured') return { n: '—', p50: '—', p99: '—' };
  return { n: String(outcome.n), p50: formatNumber(outcome.p50), p99: outcome.n > 1 ? formatNumber(outcome.p99) : '—' };
}

export function goalCell(row: RowReport): string {
  if (!row.goal) return '';
  return `${row.goal.text}${row.goalMet === null ? '' : row.goalMet ? ' ✓' : ' ✗'}`;
}

/** Lines under the table for rows that have no figure on one side. */
export function missingNotes(rows: RowReport[]): string[] {
  const notes: string[] = [];
  for (const row of rows) {
    for (const [who, outcome] of [
      [row.subject, row.nuwa],
      [row.peer, row.peerResult],
    ] as const) {
      if (outcome.status !== 'measured') notes.push(`${row.id} (${who}): ${outcome.status}: ${outcome.reason}`);
    }
  }
  return notes;
}

export function renderTable(rows: RowReport[]): string {
  const header = ['#', 'row', 'unit', 'nuwa', 'n', 'p50', 'p99', 'peer', 'n', 'p50', 'p99', 'nuwa/peer', 'goal'];
  const body = rows.map((row) => {
    const a = figures(row.nuwa);
    const b = figures(row.peerResult);
    const mark = (o: OutcomeReport, s: string) => (o.status === 'measured' ? s : o.status === 'failed' ? 'FAILED' : 'n/a');
    return [
      String(row.item || '+'),
      row.title,
      row.unit,
      row.subject,
      a.n,
      mark(row.nuwa, a.p50),
      a.p99,
      row.peer,
      b.n,
      mark(row.peerResult, b.p50),
      b.p99,
      formatRatio(row.ratio),
      goalCell(row),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const numeric = new Set([4, 5, 6, 8, 9, 10, 11]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const notes = missingNotes(rows);
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}
