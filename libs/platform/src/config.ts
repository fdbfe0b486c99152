import { bool, cleanEnv, makeValidator, num, port, str, url } from 'envalid';

const positiveInt = makeValidator<number>((input) => {
  const value = Number(input);
  if (!Number.isInteger(value) || value < 0) throw new Error('must be a non-negative integer');
  return value;
});

/**
 * Every setting, read from the environment once and validated at start: a wrong value stops
 * the process with a message naming the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const raw = cleanEnv(
    env,
    {
      PORT: port({ default: 3000, desc: 'HTTP and WebSocket port' }),
      LOG_LEVEL: str({ default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }),
      DATA_DIR: str({ default: '.data', desc: 'embedded mode: where PostgreSQL data and generated secrets live' }),
      EMBEDDED_POSTGRES_PORT: port({ default: 5433, desc: 'embedded mode: port of the embedded PostgreSQL' }),
      DATABASE_URL: url({ default: undefined, desc: 'split/distributed mode: PostgreSQL for read models (and events, with EVENT_STORE=postgres)' }),
      EVENT_STORE: str({ default: 'postgres', choices: ['postgres', 'eventstoredb'] }),
      EVENTSTORE_CONNECTION_STRING: str({ default: undefined, desc: 'esdb://host:2113?tls=false' }),
      JWT_SECRET: str({ default: undefined, desc: 'HMAC secret for tokens; at least 32 characters. Generated in embedded mode.' }),
      ID_SECRET: str({ default: undefined, desc: 'secret deriving user ids from phone numbers. Generated in embedded mode.' }),
      MASTER_KEY: str({
        default: undefined,
        desc: '32 random bytes, base64: wraps the keys that seal message bodies (openssl rand -base64 32). Generated in embedded mode. Never lose it.',
      }),
      TOKEN_TTL: str({ default: '365d', desc: 'lifetime of device tokens (jose time span, e.g. 30d)' }),
      CODE_DELIVERY: str({ default: 'dev', choices: ['dev', 'sms'], desc: 'dev: the one-time code is returned in the response; sms: POSTed to SMS_WEBHOOK_URL' }),
      SMS_WEBHOOK_URL: url({ default: undefined, desc: 'CODE_DELIVERY=sms: receives {"to", "code", "text"} as JSON and sends the SMS' }),
      SMS_WEBHOOK_TOKEN: str({ default: undefined, desc: 'CODE_DELIVERY=sms: sent as a bearer token to the webhook' }),
      CODE_TTL_SECONDS: positiveInt({ default: 300 }),
      CODES_PER_PHONE_PER_HOUR: positiveInt({ default: 5 }),
      CODE_ATTEMPTS: positiveInt({ default: 5 }),
      AUTH_REQUESTS_PER_IP_PER_MINUTE: positiveInt({ default: 0, desc: '0 = no per-address limit (development)' }),
      CONTACT_SYNCS_PER_MINUTE: positiveInt({ default: 30, desc: 'contact discovery requests per user per minute' }),
      TRUST_PROXY: bool({ default: false, desc: 'behind a reverse proxy: take client addresses from X-Forwarded-For' }),
      MAX_BODY_BYTES: positiveInt({ default: 256 * 1024, desc: 'largest HTTP request body' }),
      MAX_FRAME_BYTES: positiveInt({ default: 128 * 1024, desc: 'largest WebSocket frame (protocol: 128 KiB)' }),
      EDIT_WINDOW_MS: positiveInt({ default: 15 * 60_000, desc: 'how long after sending its sender may edit a message' }),
      DELETE_WINDOW_MS: positiveInt({ default: 60 * 3_600_000, desc: 'how long after sending its sender may delete a message for everyone (group admins: always)' }),
      EXPIRY_POLL_MS: positiveInt({
        default: 5000,
        desc: 'disappearing messages: how often each command-api looks for messages whose time came (they are erased within this long)',
      }),
      GROUP_MAX_MEMBERS: positiveInt({ default: 1024, desc: 'most members a group may have (413 beyond)' }),
      SOCKET_IDLE_SECONDS: positiveInt({ default: 60 }),
      MAX_SOCKETS_PER_USER: positiveInt({ default: 16, desc: 'open sockets one user may hold on one server process (one per device)' }),
      PRESENCE_GRACE_MS: positiveInt({
        default: 3000,
        desc: 'a device whose last socket closed counts as disconnected only after this long, so reconnect churn appends nothing',
      }),
      SERVE_DOCS: bool({ default: true }),
      METRICS_PREFIX: str({ default: 'messenger_' }),
      PROJECTOR_BATCH_SIZE: num({ default: 1000 }),
      PROJECTOR_LINGER_MS: positiveInt({ default: 10, desc: 'after a partial batch the projector waits this long, so under load it writes larger batches' }),
      READ_FENCE_TIMEOUT_MS: positiveInt({
        default: 5000,
        desc: 'read your own writes: how long a read waits for the projections to reach the log head before answering 503',
      }),
      MEDIA_STORAGE: str({ default: 'filesystem', choices: ['filesystem', 's3'], desc: 'where media bytes live: the local disk (under DATA_DIR) or an S3-compatible store' }),
      MEDIA_DIR: str({ default: undefined, desc: 'MEDIA_STORAGE=filesystem: the folder of media objects and unfinished resumable uploads (default DATA_DIR/media)' }),
      MEDIA_S3_ENDPOINT: url({ default: undefined, desc: 'MEDIA_STORAGE=s3: the S3-compatible endpoint, e.g. http://minio:9000 (unset: AWS)' }),
      MEDIA_S3_BUCKET: str({ default: 'messenger-media', desc: 'MEDIA_STORAGE=s3: bucket of media objects (and unfinished resumable uploads)' }),
      MEDIA_S3_REGION: str({ default: 'us-east-1' }),
      MEDIA_S3_ACCESS_KEY_ID: str({ default: undefined, desc: 'MEDIA_STORAGE=s3: credentials (unset: the SDK finds them, e.g. an instance role)' }),
      MEDIA_S3_SECRET_ACCESS_KEY: str({ default: undefined }),
      MEDIA_S3_FORCE_PATH_STYLE: bool({ default: true, desc: 'MEDIA_STORAGE=s3: path-style bucket addressing (MinIO needs it)' }),
      MEDIA_MAX_BYTES: positiveInt({ default: 16 * 1024 * 1024, desc: 'largest image, video or audio upload (413 beyond)' }),
      MEDIA_MAX_DOCUMENT_BYTES: positiveInt({ default: 100 * 1024 * 1024, desc: 'largest document upload (413 beyond)' }),
      MEDIA_UNSENT_TTL_MS: positiveInt({ default: 24 * 3_600_000, desc: 'an upload no message, profile or group names is removed after this long' }),
      MEDIA_SWEEP_MS: positiveInt({ default: 60_000, desc: 'how often each command-api removes media nothing names any more' }),
      STUN_URLS: str({ default: '', desc: 'calls: comma-separated STUN server URLs handed to devices (stun:host:3478); empty = none' }),
      TURN_URLS: str({ default: '', desc: 'calls: comma-separated TURN server URLs (turn:host:3478?transport=udp); empty = no relay' }),
      TURN_SECRET: str({ default: undefined, desc: "calls: coturn's static-auth-secret (use-auth-secret); required with TURN_URLS" }),
      TURN_CREDENTIAL_TTL_SECONDS: positiveInt({ default: 3600, desc: 'calls: how long a TURN credential handed to a device is valid' }),
      KAFKA_BROKERS: str({ default: undefined, desc: 'analytics: comma-separated Kafka brokers (host:port); unset = no Kafka publisher' }),
      KAFKA_TOPIC: str({ default: 'messenger.events', desc: 'analytics: topic of the CloudEvents stream' }),
      KAFKA_CLIENT_ID: str({ default: 'messenger', desc: 'analytics: kafkajs client id' }),
    },
    {
      reporter: ({ errors }) => {
        const names = Object.keys(errors);
        if (names.length === 0) return;
        const lines = names.map((name) => `  ${name}: ${(errors as Record<string, Error | undefined>)[name]?.message}`);
        throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
      },
    },
  );
  if (raw.CODE_DELIVERY === 'sms' && !raw.SMS_WEBHOOK_URL) throw new ConfigError('Invalid configuration:\n  SMS_WEBHOOK_URL: required when CODE_DELIVERY=sms');
  if (raw.TURN_URLS && !raw.TURN_SECRET) throw new ConfigError('Invalid configuration:\n  TURN_SECRET: required when TURN_URLS is set');
  return { ...raw };
}

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {
  name = 'ConfigError';
}

/** What a process signs, derives and seals with. */
export interface ProcessSecrets {
  jwtSecret: string;
  idSecret: string;
  masterKey: string;
}

/** Secrets are required outside the embedded mode, which generates and keeps its own. */
export function requireSecrets(config: Config): ProcessSecrets {
  const problems = (['JWT_SECRET', 'ID_SECRET'] as const).filter((name) => !config[name] || config[name]!.length < 32).map((n) => `  ${n}: required, at least 32 characters`);
  if (!config.MASTER_KEY || Buffer.from(config.MASTER_KEY, 'base64').length !== 32) problems.push('  MASTER_KEY: required, 32 bytes in base64 (openssl rand -base64 32)');
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return { jwtSecret: config.JWT_SECRET!, idSecret: config.ID_SECRET!, masterKey: config.MASTER_KEY! };
}
