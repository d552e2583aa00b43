/**
 * The supervisor's own log through winston, for long-running applets (init, svscan, cron). Short-lived tools never
 * call this, so they never load winston.
 *
 *   S6_VERBOSITY          0 errors, 1 + warnings, 2 + info (default), 3+ debug (applied by logger.ts)
 *   NUWA_LOG_FORMAT       plain (default: `nuwa cron: warning: …` on stderr) or json (one JSON object per line)
 *   NUWA_SYSLOG           also forward to syslog: /dev/log, unix:/path, udp://host[:port], tcp://host[:port]
 *   NUWA_SYSLOG_FACILITY  facility name (default: daemon; nuwa cron uses cron)
 *
 * Messages reach syslog tagged `nuwa` with the component first: `nuwa[42]: cron: job backup:3 exited 0`.
 */
import { Writable } from 'node:stream';
import type * as Winston from 'winston';
import { logger, onFlush, plainLine, setSink, writeStderr, type Level } from './logger';
import { parseFacility, parseSyslogTarget, syslogTransport, type Flushable } from './syslog';

export interface SupervisorLogOptions {
  /** Facility when NUWA_SYSLOG_FACILITY is not set. */
  facility?: string;
  /** Syslog tag. */
  tag?: string;
}

export type LogFormat = 'plain' | 'json';

let syslog: Flushable | undefined;

/** Before exit: lets messages still queued for syslog (a TCP connection opening) go out, for up to `timeoutMs`. */
export async function flushSupervisorLog(timeoutMs = 2000): Promise<void> {
  await syslog?.flush(timeoutMs);
}

interface Entry {
  level: Level;
  message: string;
  component: string;
}

/** Plugs winston into logger.ts. Bad settings are reported (once, on stderr) and fall back to plain stderr. */
export function setupSupervisorLog(options: SupervisorLogOptions = {}, env: NodeJS.ProcessEnv = process.env): Winston.Logger {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const winston = require('winston') as typeof Winston;
  const problems: string[] = [];
  let format: LogFormat = 'plain';
  const wanted = env.NUWA_LOG_FORMAT;
  if (wanted === 'json') format = 'json';
  else if (wanted !== undefined && wanted !== '' && wanted !== 'plain')
    problems.push(`NUWA_LOG_FORMAT=${wanted}: expected plain or json; using plain`);

  const consoleFormat =
    format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.printf((info) => {
          const e = info as unknown as Entry;
          return plainLine(e.level, e.component, e.message);
        });
  // Not winston's Console transport: it writes to process.stderr directly, and on a broken pipe each line would be
  // one more EPIPE thrown at PID 1. writeStderr() goes quiet after the first write error instead.
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writeStderr(chunk);
      done();
    },
  });
  const transports: Winston.transport[] = [new winston.transports.Stream({ stream: stderr, format: consoleFormat })];

  if (env.NUWA_SYSLOG) {
    try {
      const target = parseSyslogTarget(env.NUWA_SYSLOG);
      const facility = parseFacility(env.NUWA_SYSLOG_FACILITY || options.facility || 'daemon');
      const transport = syslogTransport({
        target,
        facility,
        tag: options.tag ?? 'nuwa',
        format: winston.format.printf((info) => `${(info as unknown as Entry).component}: ${String(info.message)}`),
      });
      syslog = transport;
      onFlush(() => flushSupervisorLog());
      transports.push(transport);
    } catch (err) {
      problems.push(`NUWA_SYSLOG: ${(err as Error).message}; not forwarding to syslog`);
    }
  }

  const log = winston.createLogger({ level: 'debug', levels: { error: 0, warn: 1, info: 2, debug: 3 }, transports, exitOnError: false });
  // A transport error (a syslogd gone away) must never surface as an unhandled 'error' event in PID 1.
  log.on('error', () => undefined);
  for (const t of transports) t.on('error', () => undefined);
  setSink((level, component, message) => {
    log.log({ level, message, component });
  });
  for (const problem of problems) logger('log').warn(problem);
  return log;
}
