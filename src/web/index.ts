// The web board of `steward up`: server-rendered views over the operations layer, live over SSE.
export { createWebBoard, type WebBoard, type WebBoardOptions } from './web-handler.js';
export { ACTION_ROLES, WEB_ACTIONS, mayAct, type WebAction } from './web-roles.js';
