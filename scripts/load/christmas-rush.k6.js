// The Christmas rush for k6 users (k6 is AGPL-licensed: this project ships the script, never k6).
//
//   k6 run scripts/load/christmas-rush.k6.js                          # async, against compose
//   k6 run -e MODE=sync scripts/load/christmas-rush.k6.js             # the synchronous baseline
//   k6 run -e BASE_URL=http://host:3000 -e PEAK_RPS=500 -e HOLD=2m scripts/load/christmas-rush.k6.js
//
// The same shape as our Node driver (packages/load/src/scenario.ts): an open model (constant arrival
// rate, ramping to the peak and holding it: a slow server does not slow the arrivals), thousands
// of distinct users drawn at random so those who come back hit the 5-burger limit, the same
// quantity mix and 2% declining cards. Checks: every answer is the acceptance (202, or 200 in
// sync mode) or the quota error (429), never a 5xx. Thresholds on time-to-accept.

import { check } from 'k6';
import http from 'k6/http';
import { Counter } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://localhost:3000';
const MODE = __ENV.MODE === 'sync' ? 'sync' : 'async';
const PEAK_RPS = Number(__ENV.PEAK_RPS || 200);
const RAMP = __ENV.RAMP || '20s';
const HOLD = __ENV.HOLD || '1m';
const USERS = Number(__ENV.USERS || 5000);
const RUN_ID = __ENV.RUN_ID || `k6${Date.now().toString(36)}`;

const QUANTITY_MIX = [
  [1, 55],
  [2, 25],
  [3, 12],
  [4, 5],
  [5, 3],
];
const BURGERS = ['classic', 'cheese', 'bacon', 'veggie', 'christmas'];

const refused = new Counter('orders_refused_by_quota');
const accepted = new Counter('orders_accepted');

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    christmas_rush: {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      preAllocatedVUs: Math.max(50, PEAK_RPS),
      maxVUs: Math.max(200, PEAK_RPS * 10),
      stages: [
        { target: PEAK_RPS, duration: RAMP },
        { target: PEAK_RPS, duration: HOLD },
        { target: 0, duration: '10s' },
      ],
    },
  },
  thresholds: {
    // Async answers at once; sync waits for every step, so its bar is far higher.
    'http_req_duration{expected_response:true}': MODE === 'async' ? ['p(99)<25', 'p(95)<15'] : ['p(99)<5000'],
    checks: ['rate>0.999'],
    http_req_failed: ['rate<0.6'], // 429s count as "failed" for k6; 5xx are caught by the check
  },
};

function pickQuantity() {
  let pick = Math.random() * QUANTITY_MIX.reduce((s, [, w]) => s + w, 0);
  for (const [q, w] of QUANTITY_MIX) {
    if (pick < w) return q;
    pick -= w;
  }
  return 1;
}

export default function () {
  const userId = `rush-${RUN_ID}-${Math.floor(Math.random() * USERS)}`;
  const body = JSON.stringify({
    userId,
    email: `${userId}@rush.test`,
    items: [{ burgerId: BURGERS[Math.floor(Math.random() * BURGERS.length)], quantity: pickQuantity() }],
    paymentMethod: Math.random() < 0.02 ? 'pm_card_chargeDeclined' : 'pm_card_visa',
  });
  const res = http.post(`${BASE_URL}/orders${MODE === 'sync' ? '?mode=sync' : ''}`, body, {
    headers: { 'content-type': 'application/json' },
    responseCallback: http.expectedStatuses(200, 202),
    tags: { mode: MODE },
  });
  if (res.status === 429) refused.add(1);
  if (res.status === 200 || res.status === 202) accepted.add(1);
  check(res, {
    'accepted or refused by the quota, never a 5xx': (r) =>
      r.status === 202 || r.status === 200 || r.status === 429,
    'a refusal says QUOTA_EXCEEDED': (r) => r.status !== 429 || r.json('code') === 'QUOTA_EXCEEDED',
  });
}
