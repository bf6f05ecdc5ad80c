import Type, { type Static } from 'typebox';

/** The longest userId, in a request body and in a path. */
export const USER_ID_MAX_LENGTH = 64;

// Starts with a letter or digit: `.` and `..` would be dot segments in /users/{userId}/quota, which
// clients and servers resolve away (the quota of user ".." would be GET /quota).
export const UserId = Type.String({
  minLength: 1,
  maxLength: USER_ID_MAX_LENGTH,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]*$',
});

/**
 * The body of POST /orders: the order API's contract with every client (the storefront, the load
 * driver, the tests). The menu is the API's to say, so it passes its burger ids in: the schema
 * lists them (the API's document shows the menu), while the type every client writes against
 * stays `string` (a client may name a burger the menu does not have; the API answers 422).
 */
export const orderRequestSchema = (burgerIds: readonly string[]) =>
  Type.Object(
    {
      userId: UserId,
      email: Type.String({ format: 'email', maxLength: 254 }),
      items: Type.Array(
        Type.Object(
          {
            burgerId: Type.Enum([...burgerIds], {
              description: 'One of the menu (GET /menu); another id answers 422 UNKNOWN_BURGER',
            }),
            quantity: Type.Integer({ minimum: 1, maximum: 100 }),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 20 },
      ),
      paymentMethod: Type.String({
        pattern: '^pm_[A-Za-z0-9_]+$',
        maxLength: 100,
        description: 'A Stripe test payment method, e.g. pm_card_visa (pm_card_chargeDeclined is declined)',
      }),
    },
    { additionalProperties: false },
  );

export type OrderRequest = Static<ReturnType<typeof orderRequestSchema>>;
