export { createLogger, silentLogger, describeError, LOG_LEVELS } from "./logger.ts";
export type { Logger, LogLevel, LogFields, LoggerOptions } from "./logger.ts";
export { SecretRegistry, SECRET_FIELD } from "./secrets.ts";
