/**
 * A logger that keeps dying (issue 18, item 7). Its service writes into the pipe the scanner holds, so nothing is lost
 * while the logger is down, but a full pipe blocks the service's write() until the logger is back. The logger used the
 * services' back-off (1 s, 2 s, 4 s … 30 s): ten quick deaths in a row held the producer for up to 30 s at a time.
 * A logger now backs off no further than s6's 1 s, which the supervisor's summary at the tenth failure says.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, waitFor } from '../helpers';
import { startScanner, svstatFields, writeService } from '../helpers/s6';

const DEATHS = 10;

test(`a logger killed ${DEATHS} times in a row is restarted 1 s after each death, as under s6`, async (t) => {
  const scandir = tempDir('nuwa-logkill-');
  const scratch = tempDir();
  const p = writeService(path.join(scandir, 'p'), {
    run: 'n=0\nwhile :; do n=$((n+1)); echo "line $n"; sleep 0.01; done',
    log: `while IFS= read -r line; do echo "$line" >> ${scratch}/received; done`,
  });
  const logger = path.join(p, 'log');
  const scanner = await startScanner('nuwa', scandir);
  try {
    let last = '';
    for (let death = 1; death <= DEATHS; death++) {
      // each instance is killed as soon as it is up: a death within nuwa-restart-min-uptime, a failure every time
      const pid = await waitFor(`logger instance ${death} up`, () => {
        const { up, pid } = svstatFields(logger, ['up', 'pid']);
        return up === 'true' && pid !== last && pid !== '-1' ? pid : undefined;
      });
      last = pid;
      process.kill(Number(pid), 'SIGKILL');
    }
    const summary = await waitFor(`the summary at failure ${DEATHS}`, () =>
      /p\/log: still failing: run was killed by SIGKILL; (\d+) failures in a row, next start in (\d+) s/.exec(scanner.output()),
    );
    t.is(Number(summary[1]), DEATHS);
    t.is(Number(summary[2]), 1, scanner.output());
    const received = () => (fs.existsSync(`${scratch}/received`) ? fs.readFileSync(`${scratch}/received`, 'utf8') : '');
    const before = received().length;
    await waitFor('the logger back and receiving', () => received().length > before);
    t.regex(scanner.output(), /p\/log: run was killed by SIGKILL after \d+ ms; restarting in 1 s/);
  } finally {
    await scanner.stop();
  }
});
