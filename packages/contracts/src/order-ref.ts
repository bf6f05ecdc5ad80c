/**
 * The short order reference a customer reads (mail subjects, the storefront, lab output): the
 * last 8 hex digits of the order id. The last digits, not the first: an order id is a UUIDv7
 * (uuid-v7.ts), whose first digits are its creation time, the same for every order placed in the
 * same minute or so; its last digits are random. The storefront (public/storefront.js, plain
 * browser code) repeats this one line.
 */
export const orderRef = (orderId: string): string => orderId.slice(-8);
