export * from './config.js';
export * from './directory.js';
export * from './resolve.js';
export { ConfigError, formatProblem, type ConfigProblem } from './source-file.js';
