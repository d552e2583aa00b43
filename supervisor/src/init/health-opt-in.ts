/**
 * The readiness endpoint is opt-in: with NUWA_HEALTH_ADDRESS unset nothing listens and init/health-endpoint.ts (and
 * node:net's server side) is never evaluated.
 */
import type { HealthSource } from './health-endpoint';

export function serveHealthIfAsked(source: HealthSource, env: NodeJS.ProcessEnv = process.env): void {
  const address = env.NUWA_HEALTH_ADDRESS;
  if (!address) return;
  void import('./health-endpoint').then(({ startHealthEndpoint }) => startHealthEndpoint(address, source));
}
