// Every request that changes the system (a fault, a rush, a replay) goes through here: it carries
// the dashboard's per-process token, which only a page the dashboard served can read
// (services/dashboard/src/control-guard.ts says why).

let tokenPromise = null;

async function readToken() {
  const res = await fetch('/api/control/token', { cache: 'no-store' });
  if (!res.ok) throw new Error(`the controls are not available here (${res.status})`);
  return res.json();
}

/** POSTs `body` as JSON to `path`; resolves to the parsed answer, or throws Error(message) with `.code`. */
export async function control(path, body = {}) {
  tokenPromise ??= readToken().catch((err) => {
    tokenPromise = null;
    throw err;
  });
  const { token, header } = await tokenPromise;
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [header]: token },
    body: JSON.stringify(body),
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(answer.message ?? `${res.status} ${res.statusText}`);
    err.code = answer.code;
    err.status = res.status;
    throw err;
  }
  return answer;
}
