// The TASKS.md board: render from tasks, parse a hand-edited board, diff it into commands. No I/O.
export type { BoardTask, BoardCommand, BoardCommandKind, UnreadableLine } from './board-types.js';
export { renderBoard, DEFAULT_DONE_LIMIT, type RenderOptions } from './render-board.js';
export { parseBoard, type ParsedBoard, type ParsedTask, type ParsedAnswer, type ParsedHeading, type ParsedProblem, type KeptEntry } from './parse-board.js';
export { diffBoard, unreadableLines } from './diff-board.js';
export { taskFact, toBoardTask, formatDuration, type FactExtras } from './task-fact.js';
export {
  escapeTitle,
  normaliseTitle,
  parseTaskLine,
  formatTaskLine,
  priorityMarker,
  type Check,
  type LineFields,
  type TaskLineParse,
} from './board-line.js';
export { HOW_TO_LINE } from './board-layout.js';
