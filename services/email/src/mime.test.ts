import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, it } from 'vitest';
import { composeMail, formatAddresses } from './mime.ts';
import { mailFor } from './templates.ts';

/** A reader of what these messages hold, as a mail client reads it (no library of ours). */
function read(raw: Buffer, { crlfOnly = true } = {}) {
  // MailComposer leaves bare LFs of the input for the SMTP client to turn into CRLF; ours may not.
  const text = crlfOnly ? raw.toString('utf8') : raw.toString('utf8').replace(/\r?\n/g, '\r\n');
  expect(text).not.toMatch(/[^\r]\n/);
  const [head = '', ...rest] = text.split('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1] ?? '';
  const parts = rest
    .join('\r\n\r\n')
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const [partHead = '', ...partBody] = part.replace(/^\r\n/, '').split('\r\n\r\n');
      const type = /content-type:\s*([^;\r\n]+)/i.exec(partHead)?.[1];
      expect(partHead).toMatch(/content-transfer-encoding: quoted-printable/i);
      const encoded = partBody.join('\r\n\r\n').replace(/\r\n$/, '');
      return { type, body: qpDecode(encoded) };
    });
  return { headers, parts, lines: text.split('\r\n') };
}

function qpDecode(s: string): string {
  const bytes: number[] = [];
  const soft = s.replace(/=\r\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=') {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(soft.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (Q or B) back to text. */
const decodeWords = (v: string) =>
  v
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : qpDecode(data.replace(/_/g, ' ')),
    );

const order = {
  type: 'OrderConfirmed',
  orderId: '140e7cab-9228-45cc-a387-5cacd3dc444e',
  email: 'anna@example.com',
  items: [{ burgerId: 'cheese', name: 'Cheese burger', quantity: 2, unitPriceCents: 890 }],
  totalCents: 1780,
  currency: 'eur',
} as const;

describe('composeMail', () => {
  const mail = mailFor(order as never);
  if (!mail) throw new Error('no mail for OrderConfirmed');
  const input = {
    from: 'Akaso Burger <orders@akaso-burger.example>',
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: `<${order.orderId}.confirmation@akaso-burger.example>`,
    date: new Date('2026-11-26T10:00:00Z'),
    headers: { 'X-Akaso-Order-Id': order.orderId, 'X-Akaso-Mail-Kind': 'confirmation' },
  };

  it('holds what nodemailer’s MailComposer puts in the same mail: headers, text and HTML parts', async () => {
    const ours = read(composeMail(input));
    const theirs = read(await new MailComposer(input).compile().build(), { crlfOnly: false });
    for (const h of [
      'from',
      'to',
      'subject',
      'message-id',
      'date',
      'mime-version',
      'x-akaso-order-id',
      'x-akaso-mail-kind',
    ]) {
      expect(decodeWords(ours.headers.get(h) ?? ''), h).toBe(decodeWords(theirs.headers.get(h) ?? ''));
    }
    expect(ours.parts).toEqual(theirs.parts);
    expect(ours.parts.map((p) => p.type)).toEqual(['text/plain', 'text/html']);
    // The bodies' non-ASCII (×, —, €) went through the encoding and came back.
    expect(ours.parts[0]?.body).toBe(mail.text.replace(/\n/g, '\r\n'));
    expect(ours.parts[0]?.body).toContain('2 × Cheese burger — €17.80');
    expect(ours.parts[1]?.body).toBe(mail.html);
  });

  it('keeps every line within 78 characters and encodes a non-ASCII subject and display name', () => {
    const raw = composeMail({
      ...input,
      from: 'Akaso Bürger <orders@akaso-burger.example>',
      subject: `Votre commande Akaso n° 140e7cab est confirmée — ${'très '.repeat(20)}bien`,
      text: `${'x'.repeat(300)}\n${'é'.repeat(100)}`,
    });
    const { headers, lines, parts } = read(raw);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(78);
    expect(raw.every((b) => b < 0x80)).toBe(true);
    expect(decodeWords(headers.get('subject') ?? '')).toBe(
      `Votre commande Akaso n° 140e7cab est confirmée — ${'très '.repeat(20)}bien`,
    );
    expect(decodeWords(headers.get('from') ?? '')).toBe('Akaso Bürger <orders@akaso-burger.example>');
    expect(parts[0]?.body).toBe(`${'x'.repeat(300)}\r\n${'é'.repeat(100)}`);
  });

  it('gives each message its own boundary', () => {
    const a = read(composeMail(input)).headers.get('content-type');
    const b = read(composeMail(input)).headers.get('content-type');
    expect(a).not.toBe(b);
  });
});

describe('formatAddresses', () => {
  it('quotes a display name with specials, keeps a plain one, and writes the domain in ASCII', () => {
    expect(formatAddresses('Akaso Burger <orders@akaso-burger.example>')).toBe(
      'Akaso Burger <orders@akaso-burger.example>',
    );
    expect(formatAddresses('"Burger, Akaso" <a@b.example>')).toBe('"Burger, Akaso" <a@b.example>');
    expect(formatAddresses('anna@bücher.example')).toBe('anna@xn--bcher-kva.example');
    expect(formatAddresses('a@b.example, c@d.example')).toBe('a@b.example, c@d.example');
  });
});
