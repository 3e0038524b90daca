// Time is injected so tests can control it; production uses the wall clock.
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
