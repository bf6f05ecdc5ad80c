import { describe, expect, it } from 'vitest';
import { withReadCommitted } from './db.ts';

describe('withReadCommitted', () => {
  it('asks for READ COMMITTED as a startup option of every session', () => {
    const url = new URL(withReadCommitted('postgresql://postgres@127.0.0.1:55432/order_api'));
    expect(url.pathname).toBe('/order_api');
    expect(url.searchParams.get('options')).toBe('-c default_transaction_isolation=read\\ committed');
  });

  it('keeps the options and parameters the connection string already had', () => {
    const url = new URL(
      withReadCommitted('postgresql://u:p@db:5432/x?sslmode=require&options=-c%20search_path%3Dapp'),
    );
    expect(url.searchParams.get('sslmode')).toBe('require');
    expect(url.searchParams.get('options')).toBe(
      '-c search_path=app -c default_transaction_isolation=read\\ committed',
    );
    expect(url.username).toBe('u');
  });
});
