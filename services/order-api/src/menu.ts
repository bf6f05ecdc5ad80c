/** The sale's menu (seeded on first start; inventory's recipes use the same burger ids). */
export const seedMenu = [
  { id: 'classic', name: 'Classic Burger', priceCents: 990 },
  { id: 'cheese', name: 'Cheeseburger', priceCents: 1090 },
  { id: 'bacon', name: 'Bacon Burger', priceCents: 1290 },
  { id: 'veggie', name: 'Veggie Burger', priceCents: 1150 },
  { id: 'christmas', name: 'Christmas Special', priceCents: 1490 },
] as const;

export interface SaleWindow {
  discountPercent: number;
  startsAt: Date;
  endsAt: Date;
}

export function saleActive(sale: SaleWindow, now: Date): boolean {
  return now >= sale.startsAt && now < sale.endsAt;
}

/** Price of one burger at `now`: the sale's discount inside its window, rounded to the cent. */
export function unitPrice(priceCents: number, sale: SaleWindow, now: Date): number {
  return saleActive(sale, now) ? Math.round((priceCents * (100 - sale.discountPercent)) / 100) : priceCents;
}
