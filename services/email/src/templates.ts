import { type AnyEvent, orderRef } from '@akaso/contracts';

export type MailKind = 'confirmation' | 'rejection' | 'receipt';

export interface Mail {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  html: string;
}

// One formatter per currency: building an Intl.NumberFormat costs more than formatting with it.
const formatters = new Map<string, Intl.NumberFormat>();
const money = (cents: number, currency: string) => {
  let f = formatters.get(currency);
  if (!f) {
    f = new Intl.NumberFormat('en-IE', { style: 'currency', currency: currency.toUpperCase() });
    formatters.set(currency, f);
  }
  return f.format(cents / 100);
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Which email an event asks for, if any (text and HTML bodies). */
export function mailFor(event: AnyEvent): Mail | null {
  switch (event.type) {
    case 'OrderConfirmed': {
      const lines = event.items.map(
        (l) => `${l.quantity} × ${l.name} — ${money(l.quantity * l.unitPriceCents, event.currency)}`,
      );
      const total = money(event.totalCents, event.currency);
      return {
        kind: 'confirmation',
        to: event.email,
        subject: `Your Akaso Burger order ${orderRef(event.orderId)} is confirmed`,
        text: `Thanks for your order!\n\n${lines.join('\n')}\n\nTotal: ${total}\nOrder: ${event.orderId}\n`,
        html: `<h1>Your order is confirmed</h1><ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul><p><strong>Total: ${escapeHtml(total)}</strong></p><p>Order ${escapeHtml(event.orderId)}</p>`,
      };
    }
    case 'OrderRejected':
      return {
        kind: 'rejection',
        to: event.email,
        subject: `Your Akaso Burger order ${orderRef(event.orderId)} could not be completed`,
        text: `Sorry, we could not complete your order.\n\nReason: ${event.reason}\nOrder: ${event.orderId}\n\nYou have not been charged, and these burgers no longer count towards your limit.\n`,
        html: `<h1>Sorry, we could not complete your order</h1><p>Reason: ${escapeHtml(event.reason)}</p><p>Order ${escapeHtml(event.orderId)}</p><p>You have not been charged, and these burgers no longer count towards your limit.</p>`,
      };
    case 'PaymentSucceeded': {
      const amount = money(event.amountCents, event.currency);
      return {
        kind: 'receipt',
        to: event.email,
        subject: `Receipt for your Akaso Burger order ${orderRef(event.orderId)}`,
        text: `Payment received: ${amount}\nPayment: ${event.paymentIntentId}\nOrder: ${event.orderId}\n`,
        html: `<h1>Payment receipt</h1><p>Amount: <strong>${escapeHtml(amount)}</strong></p><p>Payment ${escapeHtml(event.paymentIntentId)}</p><p>Order ${escapeHtml(event.orderId)}</p>`,
      };
    }
    default:
      return null;
  }
}
