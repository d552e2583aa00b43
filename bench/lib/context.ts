/** What every scenario gets: the run's mode, scratch space, the probes, and what nuwa can do. */
import type { Floor } from './floor';
import type { Probes } from './probes';
import type { Recorder, RowSpec } from './rows';
import type { NuwaInfo } from './subjects';

export interface Context {
  quick: boolean;
  scratch: string;
  probes: Probes;
  nuwa: NuwaInfo;
  /** An empty single executable of nuwa's Node: the start-up floor. */
  floor: Floor;
  /** A progress line on stderr. */
  progress(message: string): void;
  /** A sample count: `quick` under --quick, `full` otherwise. */
  n(quick: number, full: number): number;
}

export interface Scenario {
  /** Short name, for --only and progress lines. */
  name: string;
  /** Rough duration of the full run, seconds (for the progress line). */
  fullSeconds: number;
  rows: RowSpec[];
  run(ctx: Context, rec: Recorder): Promise<void>;
}
