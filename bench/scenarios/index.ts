/** Every scenario, in the order of the list. */
import type { Scenario } from '../lib/context';
import { bootShutdownScenario } from './boot-shutdown';
import { crashLoopScenario } from './crash-loop';
import { earlySigtermScenario } from './early-sigterm';
import { execlineScenario } from './execline';
import { footprintScenario } from './footprint';
import { idleScenario } from './idle';
import { memoryScenario } from './memory';
import { reapingScenario } from './reaping';
import { restartScenario } from './restart';
import { shutdownInitScenario } from './shutdown-init';
import { soakScenario } from './soak';
import { toolsScenario } from './tools';

export const scenarios: Scenario[] = [
  restartScenario,
  crashLoopScenario,
  reapingScenario,
  bootShutdownScenario,
  shutdownInitScenario,
  earlySigtermScenario,
  memoryScenario,
  footprintScenario,
  idleScenario,
  soakScenario,
  toolsScenario,
  execlineScenario,
];
