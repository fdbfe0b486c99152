import { describe, expect, it } from 'vitest';
import { InOrder } from '../src/in-order.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('in order: concurrent preparation, sending in arrival order', () => {
  it('holds a send that is ready early until every earlier one was sent', async () => {
    const sent: string[] = [];
    const queue = new InOrder((error) => sent.push(`error ${String(error)}`));
    const first = deferred<(() => void) | undefined>();
    const second = deferred<(() => void) | undefined>();
    queue.push(first.promise);
    queue.push(second.promise);
    second.resolve(() => sent.push('second'));
    await settle();
    expect(sent).toEqual([]);
    first.resolve(() => sent.push('first'));
    await settle();
    expect(sent).toEqual(['first', 'second']);
  });

  it('reports a failed preparation and goes on with the next; nothing to send is fine', async () => {
    const sent: string[] = [];
    const queue = new InOrder((error) => sent.push(`error ${String(error)}`));
    const failing = deferred<(() => void) | undefined>();
    queue.push(failing.promise);
    queue.push(Promise.resolve(undefined));
    queue.push(Promise.resolve(() => sent.push('third')));
    failing.reject('no database');
    await settle();
    expect(sent).toEqual(['error no database', 'third']);
  });
});
