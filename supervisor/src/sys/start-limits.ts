/**
 * The resource limits nuwa was started with, given back before any child exists. Node raises its soft RLIMIT_NOFILE
 * to the hard limit before any of nuwa runs, and every child would inherit the raised value; tini and s6 pass on the
 * one they were given (`ulimit -Sn 1024` stays 1024 in the service). The executable's entry stub saved the original
 * (scripts/start-limits-stub.js); the addon lowers the soft limit back to it, for nuwa itself too, as tini and
 * s6-svscan run with what they were given.
 */
import { native } from './native';

let done = false;

export function restoreStartLimits(): void {
  if (done) return;
  done = true;
  try {
    native().restoreStartLimits();
  } catch {
    // no addon: said where it is first needed, with the reason; the children then inherit Node's raised limit
  }
}
