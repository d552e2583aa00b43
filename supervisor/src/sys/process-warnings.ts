/**
 * Node's own process warnings (TimeoutOverflowWarning, MaxListenersExceededWarning, a DeprecationWarning of a
 * library …) are printed by a 'warning' listener Node installs at start-up, as `(node:1) Name: text` plus a hint
 * to run `nuwa --trace-warnings`, an option nuwa does not have. A long-running nuwa removes that printer and says
 * each distinct warning once, as one line of its own log (so it follows NUWA_LOG_FORMAT, syslog and S6_VERBOSITY).
 */
import { logger, type Logger } from './logger';

/** Distinct warnings remembered (beyond this, a new one is still said, only no longer deduplicated). */
const REMEMBERED = 100;

let routed = false;

export function routeProcessWarnings(log: Logger = logger('node')): void {
  if (routed) return;
  routed = true;
  for (const listener of process.listeners('warning')) process.off('warning', listener);
  const said = new Set<string>();
  process.on('warning', (warning: Error & { code?: string; detail?: unknown }) => {
    try {
      const code = typeof warning.code === 'string' ? ` [${warning.code}]` : '';
      const detail = typeof warning.detail === 'string' ? ` (${warning.detail})` : '';
      const text = `${warning.name}${code}: ${String(warning.message).replace(/\s*\n\s*/g, ' ')}${detail}`;
      if (said.has(text)) return;
      if (said.size < REMEMBERED) said.add(text);
      log.warn(`Node.js ${text}`);
    } catch {
      // a warning object that cannot even be formatted is not worth a crash
    }
  });
}
