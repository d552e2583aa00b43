/* eslint-disable @typescript-eslint/no-require-imports -- a .d.ts names a CommonJS module the only way TypeScript allows */
/** winston-syslog ships no types: the part of its API nuwa uses (lib/winston-syslog.js, 2.7). */
declare module 'winston-syslog' {
  import TransportStream = require('winston-transport');

  interface SyslogTransportOptions extends TransportStream.TransportStreamOptions {
    host?: string;
    port?: number;
    path?: string;
    protocol?: string;
    facility?: string;
    type?: string;
    appName?: string;
    pid?: number;
    localhost?: string;
    eol?: string;
    customProducer?: new (options: { type: string; appName: string; pid?: number; facility?: string }) => {
      produce(message: { severity: string; host: string; appName: string; date: Date; message: string }): string;
    };
  }

  class Syslog extends TransportStream {
    constructor(options?: SyslogTransportOptions);
    socket: unknown;
    connectDgram(callback: (err: unknown) => void): void;
  }
}
