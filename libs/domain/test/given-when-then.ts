import { expect } from 'vitest';

/**
 * given(past events) / when(command) / then(new events | error): the domain's specs state
 * behaviour as facts in and facts out, with no store or framework.
 */
export function specify<State, Event, Command, Out>(
  initial: () => State,
  evolve: (state: State, event: Event) => State,
  decide: (command: Command, state: State) => Out,
) {
  return {
    given: (...events: Event[]) => ({
      when: (command: Command) => {
        const run = () => decide(command, events.reduce(evolve, initial()));
        return {
          then: (expected: Out) => expect(run()).toEqual(expected),
          thenThrows: (code: string) => expect(run).toThrowError(expect.objectContaining({ code })),
          result: run,
        };
      },
    }),
  };
}
