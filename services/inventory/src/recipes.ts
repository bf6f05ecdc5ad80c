/** Ingredients and recipes (seeded on first start). Burger ids match order-api's menu. */
export const seedIngredients = [
  { id: 'bun', name: 'Brioche bun' },
  { id: 'beef', name: 'Beef patty' },
  { id: 'veggie-patty', name: 'Veggie patty' },
  { id: 'cheese', name: 'Cheddar slice' },
  { id: 'bacon', name: 'Bacon strip' },
  { id: 'lettuce', name: 'Lettuce' },
  { id: 'cranberry', name: 'Cranberry sauce' },
] as const;

export const seedRecipes: Record<string, Record<string, number>> = {
  classic: { bun: 1, beef: 1, lettuce: 1 },
  cheese: { bun: 1, beef: 1, cheese: 1 },
  bacon: { bun: 1, beef: 1, bacon: 2, cheese: 1 },
  veggie: { bun: 1, 'veggie-patty': 1, lettuce: 1 },
  christmas: { bun: 1, beef: 2, cheese: 1, cranberry: 1 },
};

/** Ingredient needs of an order: sum over lines of quantity × recipe. */
export function ingredientNeeds(
  items: { burgerId: string; quantity: number }[],
  recipes: Map<string, Map<string, number>>,
): { needs: Map<string, number>; unknown: string[] } {
  const needs = new Map<string, number>();
  const unknown: string[] = [];
  for (const item of items) {
    const recipe = recipes.get(item.burgerId);
    if (!recipe) {
      unknown.push(item.burgerId);
      continue;
    }
    for (const [ingredient, qty] of recipe)
      needs.set(ingredient, (needs.get(ingredient) ?? 0) + qty * item.quantity);
  }
  return { needs, unknown };
}
