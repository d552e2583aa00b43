/**
 * A row of the results table: one quantity, measured for nuwa (the subject) and for a peer in the same run.
 * Rows are declared up front by each scenario, so every row is reported even when a scenario fails half-way:
 * a row without a number says why ("not available: …" or "failed: …"), never a made-up figure.
 */
import { summarize, type Summary } from './stats';

export type Outcome = { status: 'measured'; samples: number[]; note?: string } | { status: 'not available' | 'failed'; reason: string };

export interface Goal {
  /** As written in the issue, e.g. "≤ 5 ms p50". */
  text: string;
  /** The subject meets the goal when its `on` figure is at most `max` (in the row's unit). */
  max: number;
  on: 'p50' | 'p99' | 'mean';
}

export interface RowSpec {
  id: string;
  /** The numbered item this row belongs to (1–10), 0 for rows beyond the list. */
  item: number;
  title: string;
  unit: string;
  subject: string;
  peer: string;
  /** How it was measured: goes into the report verbatim. */
  method: string;
  goal?: Goal;
}

export type OutcomeReport =
  ({ status: 'measured'; note?: string; samples: number[] } & Summary) | { status: 'not available' | 'failed'; reason: string };

export interface RowReport extends RowSpec {
  nuwa: OutcomeReport;
  peerResult: OutcomeReport;
  /** nuwa p50 / peer p50, when both were measured, the peer's is above 0 and nuwa's not negative. */
  ratio: number | null;
  /** Whether nuwa met the goal; null when there is no goal or no figure. */
  goalMet: boolean | null;
}

export function reportOutcome(outcome: Outcome | undefined, missing: string): OutcomeReport {
  if (outcome === undefined) return { status: 'failed', reason: missing };
  if (outcome.status !== 'measured') return outcome;
  if (outcome.samples.length === 0) return { status: 'failed', reason: 'no samples were taken' };
  return { status: 'measured', ...summarize(outcome.samples), ...(outcome.note ? { note: outcome.note } : {}), samples: outcome.samples };
}

export function rowReport(spec: RowSpec, nuwa: OutcomeReport, peer: OutcomeReport): RowReport {
  const ratio = nuwa.status === 'measured' && peer.status === 'measured' && peer.p50 > 0 && nuwa.p50 >= 0 ? nuwa.p50 / peer.p50 : null;
  const goalMet = spec.goal && nuwa.status === 'measured' ? nuwa[spec.goal.on] <= spec.goal.max : null;
  return { ...spec, nuwa, peerResult: peer, ratio, goalMet };
}

/** Where scenarios put what they measured: per row, one outcome for nuwa and one for the peer. */
export class Recorder {
  readonly outcomes = new Map<string, { nuwa?: Outcome; peer?: Outcome }>();

  constructor(private readonly known: Set<string>) {}

  private slot(id: string) {
    if (!this.known.has(id)) throw new Error(`internal: row '${id}' was not declared by its scenario`);
    let slot = this.outcomes.get(id);
    if (!slot) this.outcomes.set(id, (slot = {}));
    return slot;
  }

  nuwa(id: string, outcome: Outcome): void {
    this.slot(id).nuwa = outcome;
  }

  peer(id: string, outcome: Outcome): void {
    this.slot(id).peer = outcome;
  }

  has(id: string, side: 'nuwa' | 'peer'): boolean {
    return this.outcomes.get(id)?.[side] !== undefined;
  }
}

export const measured = (samples: number[], note?: string): Outcome => ({ status: 'measured', samples, ...(note ? { note } : {}) });
export const notAvailable = (reason: string): Outcome => ({ status: 'not available', reason });
export const failed = (err: unknown): Outcome => ({ status: 'failed', reason: err instanceof Error ? err.message : String(err) });
