/** Scenarios shared by several differential tests (e.g. driven by Debian's tools, then by nuwa's). */
import { journaled, journaledFinish, type Scenario, type Trial } from './harness';

/** Sends `letters` and waits until `service` has been started `starts` times in all (counted by `u` events). */
export async function restartWith(trial: Trial, service: string, letter: string, starts: number): Promise<void> {
  trial.svc(service, letter);
  // `u` is not past the run script's first line: the next letter may be a signal that would kill it unjournaled
  await trial.untilStarted(service, starts);
}

/** Every s6-svc letter on one service with a finish script: -d -u -p -c -o -r -k -t -h -a -b -q -i -1 -2 -x. */
export const EVERY_LETTER: Scenario = {
  services: { a: { run: journaled('exec sleep 100011'), finish: journaledFinish() } },
  async steps(trial) {
    await trial.until('a up', () => trial.count('a', 'u') === 1);
    await trial.snapshot('started');

    trial.svc('a', '-d');
    await trial.until('a down after -d', () => trial.count('a', 'D') === 1);
    await trial.snapshot('-d: down, want down, finish got 256 15');

    await restartWith(trial, 'a', '-u', 2);
    await trial.snapshot('-u: up again');

    trial.svc('a', '-p');
    await trial.until('a paused', () => trial.fields('a')['paused'] === 'true');
    await trial.snapshot('-p: paused');
    trial.svc('a', '-c');
    await trial.until('a continued', () => trial.fields('a')['paused'] === 'false');
    await trial.snapshot('-c: continued');

    trial.svc('a', '-o');
    await trial.until('a want down after -o', () => trial.fields('a')['wantedup'] === 'false');
    await trial.snapshot('-o on an up service: still up, want down');
    trial.svc('a', '-k');
    await trial.until('a died and stayed down', () => trial.count('a', 'D') === 2);
    await trial.snapshot('-k after -o: down, not restarted');

    trial.svc('a', '-o');
    await trial.until('a ran once', () => trial.count('a', 'u') === 3);
    await trial.snapshot('-o on a down service: runs once');
    trial.svc('a', '-t');
    await trial.until('a down after -t', () => trial.count('a', 'D') === 3);
    await trial.snapshot('-t after -o: down again');

    await restartWith(trial, 'a', '-u', 4);
    await restartWith(trial, 'a', '-r', 5);
    await trial.snapshot('-r: restarted');
    await restartWith(trial, 'a', '-k', 6);
    await trial.snapshot('-k: restarted, finish got 256 9');
    await restartWith(trial, 'a', '-t', 7);
    await trial.snapshot('-t: restarted, finish got 256 15');
    await restartWith(trial, 'a', '-h', 8);
    await trial.snapshot('-h: restarted, finish got 256 1');
    let starts = 8;
    for (const letter of ['-a', '-b', '-q', '-i', '-1', '-2']) await restartWith(trial, 'a', letter, ++starts);
    await trial.snapshot('-a -b -q -i -1 -2: each killed sleep and restarted it');

    trial.svc('a', '-x');
    trial.svc('a', '-d');
    await trial.until(
      'the supervisor of a exited and was started again',
      () => trial.count('a', 'x') === 1 && trial.count('a', 'u') === starts + 1,
    );
    await trial.snapshot('-x then -d: supervisor exits once a is down, the scanner starts a new one');
  },
};
