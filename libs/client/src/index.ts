// The protocol's client side, once: HTTP routes, the live feed, and a conversation's timeline.
// Used by the web client, the integration tests and the benchmark.
export * from './api.js';
export * from './feed.js';
export * from './frames.js';
export * from './http.js';
export * from './timeline.js';
