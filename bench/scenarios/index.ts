/** Every scenario, in the order of the list. */
import type { Scenario } from '../lib/context';
import { restartScenario } from './restart';

export const scenarios: Scenario[] = [restartScenario];
