/**
 * The environment of a chain. It cannot live in process.env: Node treats the integer names of execline's positional
 * parameters (`1`, `2`, …) as array indices, reads them as undefined and never writes them to the C environ. So the
 * chain keeps its own copy, taken from process.env plus the integer names of /proc/self/environ, hands it to children
 * through spawn's env and to the final exec through the addon's setEnviron; an applet run in the chain's process
 * (with-contenv, s6-setuidgid) sees it in process.env (syncOut) and leaves its changes there (syncIn).
 */
import * as fs from 'node:fs';

const INTEGER = /^\d+$/;

function initial(): Map<string, string> {
  const env = new Map<string, string>();
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env.set(name, value);
  try {
    for (const pair of fs.readFileSync('/proc/self/environ', 'utf8').split('\0')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && INTEGER.test(pair.slice(0, eq))) env.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  } catch {
    // no /proc: positional parameters from the caller are then not seen (execlineb sets its own)
  }
  return env;
}

class Environ {
  private vars: Map<string, string> | undefined;

  private get map(): Map<string, string> {
    this.vars ??= initial();
    return this.vars;
  }

  get(name: string): string | undefined {
    return this.map.get(name);
  }

  set(name: string, value: string): void {
    this.map.set(name, value);
  }

  delete(name: string): void {
    this.map.delete(name);
  }

  names(): string[] {
    return [...this.map.keys()];
  }

  clear(): void {
    this.map.clear();
  }

  /** For spawn's env option (a plain object keeps integer keys). */
  object(): Record<string, string> {
    return Object.fromEntries(this.map);
  }

  /** For the addon's setEnviron. */
  pairs(): string[] {
    return [...this.map].map(([name, value]) => `${name}=${value}`);
  }

  /** process.env becomes this environment, before an applet runs in the chain's process. */
  syncOut(): void {
    for (const name of Object.keys(process.env)) if (!this.map.has(name)) delete process.env[name];
    for (const [name, value] of this.map) process.env[name] = value;
  }

  /** This environment becomes process.env, once such an applet hands its program on. */
  syncIn(): void {
    this.vars = new Map(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  }
}

export const environ = new Environ();
