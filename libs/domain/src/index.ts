export * from './errors.js';
export * from './events.js';
export * from './streams.js';
export * from './conversation/direct-conversation.js';
export * from './receipts/receipt-watermark.js';
export * from './user/user.js';
export * from './presence/presence.js';
