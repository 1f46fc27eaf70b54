// The operations layer: every verb of the queue, written once, called by CLI, MCP, tick and babysitter.
export * from './create-task.js';
export * from './maintenance.js';
export * from './proposals.js';
export * from './queries.js';
export * from './runs.js';
export * from './archive.js';
export * from './batch.js';
export * from './branches.js';
export * from './run-records.js';
export * from './stats.js';
export * from './status.js';
export * from './task-actions.js';
export { requireTask, settle, transition, logEvent } from './transition.js';
export * from './attention.js';
export * from './board-columns.js';
export * from './task-detail.js';
export * from './figures.js';
export * from './schedules.js';
