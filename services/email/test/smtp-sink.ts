import { scriptedSmtp } from './scripted-smtp.ts';

/**
 * A real SMTP server on loopback, small enough to make refuse: a recipient whose address starts
 * with a key of `refuse` is answered that reply at RCPT TO; every other mail is accepted and
 * kept (its recipients). Mailpit accepts everything, so the refusal cases need this one.
 */
export function smtpSink(refuse: Record<string, string> = {}) {
  const delivered: string[][] = [];
  const server = scriptedSmtp({
    greeting: '220 sink ESMTP',
    ehlo: '250-sink\r\n250 8BITMIME',
    script: () => {
      let rcpt: string[] = [];
      return {
        command(verb, line) {
          if (verb === 'MAIL') rcpt = [];
          if (verb !== 'RCPT') return undefined;
          const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
          const reply = Object.entries(refuse).find(([prefix]) => address.startsWith(prefix))?.[1];
          if (!reply) rcpt.push(address);
          return reply;
        },
        endOfData() {
          delivered.push(rcpt);
          rcpt = [];
          return '250 queued';
        },
      };
    },
  });
  return {
    /** Mails accepted for this recipient. */
    count: (address: string) => delivered.filter((r) => r.includes(address)).length,
    listen: () => server.listen(),
    close: server.close,
  };
}
