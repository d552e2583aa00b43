/** Every scenario, in the order of the list. */
import type { Scenario } from '../lib/context';
import { crashLoopScenario } from './crash-loop';
import { reapingScenario } from './reaping';
import { restartScenario } from './restart';

export const scenarios: Scenario[] = [restartScenario, crashLoopScenario, reapingScenario];
