/**
 * s6-log's actions other than logdirs: `1` (stdout), `2` (alert on stderr), `=file` (status file) and nuwa's `@TAG`
 * (syslog). Each reports a failure once, then counts; none can block the logger.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Winston from 'winston';
import { reason } from '../cli/errors';
import { logger } from '../sys/logger';
import { parseFacility, parseSyslogTarget, syslogTransport, type Flushable } from '../sys/syslog';

const log = logger('log');

export interface Output {
  write(text: Buffer): void;
  close?(): Promise<void> | void;
}

/** `1`: to stdout; after an error (a closed pipe) it is ignored for the rest of the run, as in s6-log. */
export class StdoutOutput implements Output {
  private broken = false;

  constructor() {
    process.stdout.on('error', (err) => {
      if (!this.broken) log.warn(`stdout: ${reason(err)}; the '1' directive is ignored from now on`);
      this.broken = true;
    });
  }

  write(text: Buffer): void {
    if (!this.broken) process.stdout.write(Buffer.concat([text, NEWLINE]));
  }
}

const NEWLINE = Buffer.from('\n');
const ELLIPSIS = Buffer.from('...');

/** `2`: "alert" lines on stderr, cut at `size` bytes (0: whole line) with "..." marking the cut, as s6-log. */
export class AlertOutput implements Output {
  constructor(private readonly size: number) {}

  write(text: Buffer): void {
    const cut = this.size > 0 && text.length > this.size ? Buffer.concat([text.subarray(0, this.size), ELLIPSIS]) : text;
    process.stderr.write(Buffer.concat([Buffer.from('nuwa log: alert: '), cut, NEWLINE]));
  }
}

/** `=file`: the file always holds the last selected line, cut or padded with newlines to `size` bytes. */
export class StatusOutput implements Output {
  private failures = 0;

  constructor(
    private readonly file: string,
    private readonly size: number,
  ) {}

  write(text: Buffer): void {
    let content = this.size > 0 ? text.subarray(0, this.size) : text;
    if (this.size > 0 && content.length < this.size) content = Buffer.concat([content, Buffer.alloc(this.size - content.length, 10)]);
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.new`);
    try {
      fs.writeFileSync(tmp, content);
      fs.renameSync(tmp, this.file); // atomic: readers see the old line or the new one
      if (this.failures > 0) log.info(`status file ${this.file} written again after ${this.failures} failures`);
      this.failures = 0;
    } catch (err) {
      if (this.failures++ === 0) log.warn(`cannot update status file ${this.file}: ${reason(err)} (further failures are counted)`);
    }
  }
}

/** syslog(3)'s severity prefix, as journald also reads it: `<3>disk failed` is an error. */
const PRIORITY = /^<([0-7])>/;
const LEVEL_NAMES = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'];

/** The service a logger belongs to: a `log/run` runs in `<service>/log`. */
export function serviceName(cwd = process.cwd()): string {
  return path.basename(cwd) === 'log' ? path.basename(path.dirname(cwd)) : path.basename(cwd);
}

/**
 * `@TAG`: each selected line becomes one syslog message tagged TAG, severity info unless the line starts with a
 * `<N>` priority prefix (stripped). Target and facility: NUWA_SYSLOG (default /dev/log), NUWA_SYSLOG_FACILITY
 * (default user).
 */
export class SyslogOutput implements Output {
  private readonly logger: Winston.Logger;
  private readonly transport: Flushable;

  constructor(tag: string, env: NodeJS.ProcessEnv = process.env) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const winston = require('winston') as typeof Winston;
    const transport = syslogTransport({
      target: parseSyslogTarget(env.NUWA_SYSLOG || '/dev/log'),
      facility: parseFacility(env.NUWA_SYSLOG_FACILITY || 'user'),
      tag,
      format: winston.format.printf((info) => String(info.message)),
    });
    transport.on('error', () => undefined);
    this.transport = transport;
    this.logger = winston.createLogger({
      levels: winston.config.syslog.levels,
      level: 'debug',
      transports: [transport],
      exitOnError: false,
    });
    this.logger.on('error', () => undefined);
  }

  write(text: Buffer): void {
    let message = text.toString('utf8');
    let level = 'info';
    const match = PRIORITY.exec(message);
    if (match) {
      level = LEVEL_NAMES[Number(match[1])] as string;
      message = message.slice(match[0].length);
    }
    this.logger.log(level, message);
  }

  async close(): Promise<void> {
    await this.transport.flush(2000);
  }
}
