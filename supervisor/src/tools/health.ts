/**
 * `nuwa health [--json] [--live] [SCANDIR]`: one answer to "is this container healthy?", from the supervision tree's
 * own files (health-report.ts says what counts), never by talking to PID 1 over something that could hang. `--live`
 * asks only whether the scanner is alive (its control FIFO has a reader): for liveness probes, which must not depend
 * on the app. Exit 0 healthy, 1 not; usage errors 100, as s6's tools.
 */
import type { AppletMain } from '../cli/applet';
import { SystemError, UsageError, reason } from '../cli/errors';
import { getopt } from '../cli/getopt';
import { assessHealth, assessLive, healthJson, healthLine, type HealthReport } from './health-report';
import { scanDir } from './service-dir';
import { writeOut } from '../sys/output';

const USAGE = 'nuwa health [--json] [--live] [SCANDIR]';

export const main: AppletMain = (argv) => {
  const { long, operands } = getopt(argv, '', USAGE, { longs: ['json', 'live'] });
  if (operands.length > 1) throw new UsageError(`too many arguments; usage: ${USAGE}`);
  const scandir = operands[0] ?? scanDir();
  const json = long.has('json');
  if (long.has('live')) {
    const { live, why } = assessLive(scandir);
    writeOut(json ? `${JSON.stringify({ live, why })}\n` : `${live ? 'live' : 'not live'}: ${why}\n`);
    return live ? 0 : 1;
  }
  let report: HealthReport;
  try {
    report = assessHealth(scandir);
  } catch (err) {
    throw new SystemError(`unable to read scan dir ${scandir}: ${reason(err)}`);
  }
  writeOut(`${json ? healthJson(report) : healthLine(report)}\n`);
  return report.healthy ? 0 : 1;
};
