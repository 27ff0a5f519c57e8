/**
 * Transactions that never outlive themselves. Every write path uses `inTransaction` instead
 * of `sql.begin`: with `sql.begin`, a query started on `tx` after the callback settled (e.g.
 * a write still being prepared when a parse error is thrown) is sent after the ROLLBACK, so it
 * runs outside the transaction and commits on its own. Here such a query fails instead.
 * (What happens when the transaction's connection dies is handled in vendor/postgres.)
 */
import type { Sql, Transaction } from "./client.ts";

export class TransactionEndedError extends Error {
  constructor() {
    super("Cannot query: the transaction has already ended");
  }
}

export async function inTransaction<T>(
  sql: Sql,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  let running: Promise<T> | undefined;
  try {
    return await sql.begin((tx) => running = runGuarded(tx, work)) as T;
  } catch (error) {
    // begin() fails as soon as the connection closes, while the work may still be running:
    // its next query fails, so it ends soon; return only then.
    await running?.catch(() => {});
    throw error;
  }
}

async function runGuarded<T>(tx: Transaction, work: (tx: Transaction) => Promise<T>): Promise<T> {
  let open = true;
  try {
    return await work(guard(tx, () => open));
  } finally {
    open = false;
  }
}

/** `tx`, refusing to send anything once `isOpen()` is false. */
function guard(tx: Transaction, isOpen: () => boolean): Transaction {
  const refuseWhenEnded = <F extends (...args: never[]) => unknown>(target: F) =>
    new Proxy(target, {
      apply(fn, thisArg, args) {
        if (!isOpen()) throw new TransactionEndedError();
        return Reflect.apply(fn, thisArg, args);
      },
    });
  return new Proxy(refuseWhenEnded(tx), {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      return property === "unsafe" && typeof value === "function"
        ? refuseWhenEnded(value.bind(tx))
        : value;
    },
  }) as Transaction;
}
