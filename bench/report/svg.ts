/**
 * The chart, written by hand (no charting dependency): one band per row, a bar for nuwa's p50 and one for the
 * peer's, scaled to the larger of the two p99s in that row (units differ between rows), a thin line out to each p99,
 * and the ratio on the right. Rows without a figure say why in grey.
 */
import type { OutcomeReport, RowReport } from '../lib/rows';
import { formatNumber, formatRatio } from './table';

const WIDTH = 980;
const LABEL = 380;
const BARS = 470;
const BAND = 44;
const TOP = 56;
const NUWA_COLOR = '#2f6fde';
const PEER_COLOR = '#e0822f';

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function bar(outcome: OutcomeReport, who: string, y: number, scale: number, color: string, unit: string): string {
  const x0 = LABEL;
  if (outcome.status !== 'measured') {
    return `<text x="${x0 + 4}" y="${y + 11}" class="na">${escape(clip(`${who}: ${outcome.status}`, 70))}</text>`;
  }
  const w50 = Math.max(1, outcome.p50 * scale);
  const w99 = Math.max(w50, outcome.p99 * scale);
  const parts = [`<rect x="${x0}" y="${y}" width="${w50.toFixed(1)}" height="14" fill="${color}"/>`];
  if (outcome.n > 1 && w99 > w50 + 1) {
    parts.push(
      `<line x1="${(x0 + w50).toFixed(1)}" y1="${y + 7}" x2="${(x0 + w99).toFixed(1)}" y2="${y + 7}" stroke="${color}" stroke-width="2"/>`,
    );
    parts.push(
      `<line x1="${(x0 + w99).toFixed(1)}" y1="${y + 2}" x2="${(x0 + w99).toFixed(1)}" y2="${y + 12}" stroke="${color}" stroke-width="2"/>`,
    );
  }
  const label = `${clip(who, 28)}: ${formatNumber(outcome.p50)} ${unit}`;
  parts.push(`<text x="${(x0 + w99 + 5).toFixed(1)}" y="${y + 11}" class="v">${escape(label)}</text>`);
  return parts.join('');
}

export function renderSvg(rows: RowReport[], title: string): string {
  const height = TOP + rows.length * BAND + 30;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
      'font-family="sans-serif" font-size="12">',
    '<style>.t{font-size:16px;font-weight:bold}.l{fill:#222}.u{fill:#777;font-size:11px}.v{fill:#333;font-size:11px}' +
      '.na{fill:#999;font-style:italic;font-size:11px}.r{font-weight:bold}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="24" class="t">${escape(title)}</text>`,
    `<rect x="${LABEL}" y="36" width="12" height="10" fill="${NUWA_COLOR}"/><text x="${LABEL + 16}" y="45">nuwa p50</text>`,
    `<rect x="${LABEL + 90}" y="36" width="12" height="10" fill="${PEER_COLOR}"/><text x="${LABEL + 106}" y="45">peer p50</text>`,
    `<text x="${LABEL + 180}" y="45" class="u">line: out to p99 · each row has its own scale</text>`,
    `<text x="${WIDTH - 12}" y="45" text-anchor="end" class="u">nuwa/peer</text>`,
  ];
  rows.forEach((row, k) => {
    const y = TOP + k * BAND;
    if (k % 2 === 0) out.push(`<rect x="0" y="${y - 4}" width="${WIDTH}" height="${BAND}" fill="#f5f7fa"/>`);
    out.push(`<text x="12" y="${y + 11}" class="l">${escape(clip(`${row.item || '+'}. ${row.title}`, 54))}</text>`);
    out.push(`<text x="12" y="${y + 27}" class="u">${escape(clip(`${row.unit} · ${row.subject} vs ${row.peer}`, 60))}</text>`);
    const tops = [row.nuwa, row.peerResult].map((o) => (o.status === 'measured' ? Math.max(o.p50, o.p99) : 0));
    const max = Math.max(...tops);
    const scale = max > 0 ? (BARS - 200) / max : 0; // room after the longest bar for its value label
    out.push(bar(row.nuwa, row.subject, y, scale, NUWA_COLOR, row.unit));
    out.push(bar(row.peerResult, row.peer, y + 18, scale, PEER_COLOR, row.unit));
    const ratioColor = row.ratio === null ? '#999' : row.ratio <= 1 ? '#1a7f37' : '#b42318';
    out.push(
      `<text x="${WIDTH - 12}" y="${y + 20}" text-anchor="end" class="r" fill="${ratioColor}">${escape(formatRatio(row.ratio))}</text>`,
    );
  });
  out.push(
    `<text x="12" y="${height - 10}" class="u">` +
      'nuwa/peer: below 1 (green) nuwa is lower — faster, smaller or fewer; above 1 (red) the peer is.</text>',
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
