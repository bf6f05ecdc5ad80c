import { createServer, type Server, type Socket } from 'node:net';

/** One client connection's script: what the server answers, chosen per test. */
export interface SmtpScript {
  /**
   * The reply to a command (`verb` is its first four letters, upper-cased; `line` the whole
   * line); undefined for `250 ok`. DATA and QUIT are answered by the server itself.
   */
  command?(verb: string, line: string): string | undefined;
  /** The reply to a mail's end (`<CRLF>.<CRLF>`); null for none, as a server that stopped answering. */
  endOfData?(): string | null;
}

export interface ScriptedSmtpOptions {
  /** Replaces the `220` greeting; a greeting other than 220 is followed by a hang-up. */
  greeting?: string;
  /** The EHLO reply (its lines without the final CRLF). */
  ehlo?: string;
  /** A fresh script for each connection (it may keep that connection's state). */
  script?: () => SmtpScript;
}

/**
 * A real SMTP server on loopback whose answers each test scripts, so that nodemailer meets real
 * replies over a real socket: refusals, hangs and drops Mailpit cannot be made to give.
 */
export function scriptedSmtp(options: ScriptedSmtpOptions = {}) {
  const greeting = options.greeting ?? '220 test ESMTP';
  const ehlo = options.ehlo ?? '250-test\r\n250 8BITMIME';
  const sockets = new Set<Socket>();
  const connections = { opened: 0, maxOpen: 0 };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    connections.opened++;
    connections.maxOpen = Math.max(connections.maxOpen, sockets.size);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const script = options.script?.() ?? {};
    let data = false;
    let buffer = '';
    socket.write(`${greeting}\r\n`);
    if (!greeting.startsWith('220')) return void socket.end();
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (data) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          buffer = buffer.slice(end + 5);
          data = false;
          const reply = script.endOfData ? script.endOfData() : '250 queued';
          if (reply !== null) socket.write(`${reply}\r\n`);
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'DATA') {
          data = true;
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write(`${script.command?.(verb, line) ?? (verb === 'EHLO' ? ehlo : '250 ok')}\r\n`);
      }
    });
  });
  return {
    /** Connections accepted so far, and the most open at once. */
    connections,
    listen: (port = 0) =>
      new Promise<number>((resolve) =>
        server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
      ),
    /** Hangs up on every client, as a restarting server does. */
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
