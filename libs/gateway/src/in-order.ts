/**
 * Lets the reads behind each notification run concurrently while their frames go out one after
 * another in the order the notifications came: a viewer never sees a later change before an
 * earlier one, and anything sent after a frame was queued reaches the same socket after it.
 */
export class InOrder {
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** `prepared` resolves to what to send once every earlier one was sent. */
  push(prepared: Promise<(() => void) | undefined>): void {
    // Settled at once, so a failure is never an unhandled rejection while earlier ones wait.
    const settled = prepared.then(
      (send) => ({ send }),
      (error: unknown) => ({ error }),
    );
    this.last = this.last
      .then(() => settled)
      .then((outcome) => ('error' in outcome ? this.onError(outcome.error) : outcome.send?.()))
      .catch(this.onError);
  }
}
