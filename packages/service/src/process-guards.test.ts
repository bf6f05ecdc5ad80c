import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installProcessGuards } from './process-guards.ts';

describe('installProcessGuards', () => {
  it('logs an unhandled rejection instead of letting it end the process, until removed', () => {
    const proc = new EventEmitter();
    const logged: { obj: object; msg: string }[] = [];
    const remove = installProcessGuards({ error: (obj, msg) => logged.push({ obj, msg }) }, proc);
    const reason = new Error('pool exhausted');
    proc.emit('unhandledRejection', reason, Promise.resolve());
    proc.emit('unhandledRejection', 'a string', Promise.resolve());
    expect(logged).toHaveLength(2);
    expect(logged[0]?.obj).toEqual({ err: reason, unhandledRejections: 1 });
    expect(logged[1]?.msg).toMatch(/still serving/);
    remove();
    expect(proc.listenerCount('unhandledRejection')).toBe(0);
  });
});
