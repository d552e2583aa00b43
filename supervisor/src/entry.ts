/**
 * The bundle's entry point (scripts/build.js): when this may be init (sys/signals.ts mayBeInit), the first statement
 * the executable runs holds the signals PID 1 passes on, and only then is the rest of nuwa evaluated.
 *
 * In a PID namespace the kernel drops a signal sent to PID 1 while it has no handler for it, so a SIGTERM sent right
 * after `podman run` (a `podman stop` at once) would be lost until init had loaded its modules and reached its own
 * holdSignals(); tini honours it. sys/signals.ts has no imports, so importing it evaluates nothing else, and main.ts
 * is required, not imported: esbuild hoists imports above the first statement, a require() stays where it is written.
 * main.ts releases the holding for what turns out not to route these signals (see dispatch).
 */
import { holdSignals, mayBeInit } from './sys/signals';

if (mayBeInit()) holdSignals();
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./main');
