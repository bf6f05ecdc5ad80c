import { createServer, type Server, type Socket } from 'node:net';

/**
 * A real SMTP server on loopback, small enough to make refuse: a recipient whose address starts
 * with a key of `refuse` is answered that reply at RCPT TO; every other mail is accepted and
 * kept (its recipients). Mailpit accepts everything, so the refusal cases need this one.
 */
export function smtpSink(refuse: Record<string, string> = {}) {
  const sockets = new Set<Socket>();
  const delivered: string[][] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let data = false;
    let buffer = '';
    let rcpt: string[] = [];
    socket.write('220 sink ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (data) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          buffer = buffer.slice(end + 5);
          data = false;
          delivered.push(rcpt);
          rcpt = [];
          socket.write('250 queued\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-sink\r\n250 8BITMIME\r\n');
        else if (verb === 'MAIL') {
          rcpt = [];
          socket.write('250 ok\r\n');
        } else if (verb === 'RCPT') {
          const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
          const reply = Object.entries(refuse).find(([prefix]) => address.startsWith(prefix))?.[1];
          if (reply) socket.write(`${reply}\r\n`);
          else {
            rcpt.push(address);
            socket.write('250 ok\r\n');
          }
        } else if (verb === 'DATA') {
          data = true;
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  return {
    /** Mails accepted for this recipient. */
    count: (address: string) => delivered.filter((r) => r.includes(address)).length,
    listen: () =>
      new Promise<number>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
