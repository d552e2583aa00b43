/**
 * The applet behind every execline program (`nuwa execlineb`, `/command/if` → nuwa, …): a chain that starts with
 * that program and goes on in this process for as long as the programs are nuwa's own.
 */
import { HelpRequest } from '../cli/errors';
import { Chain, setAppletRunner, type AppletRunner } from './chain';
import { BUILTINS } from './registry';

export { setAppletRunner, type AppletRunner };

export async function runBuiltin(name: string, args: string[]): Promise<number> {
  if (args.length === 1 && args[0] === '--help') {
    throw new HelpRequest(`usage: ${name} …: execline's ${name} (https://skarnet.org/software/execline/${name}.html)`);
  }
  return new Chain(BUILTINS).run([name, ...args]);
}
