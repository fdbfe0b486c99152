export * from './data-source.js';
export * from './entities/auth-code.entity.js';
export * from './entities/conversation-member.entity.js';
export * from './entities/feed-item.entity.js';
export * from './entities/message.entity.js';
export * from './entities/presence.entity.js';
export * from './entities/projection-checkpoint.entity.js';
export * from './entities/user.entity.js';
