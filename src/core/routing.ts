// Model routing (pure): which model a profile runs a task with, by the task's complexity or a rule list.

/** How hard a task is; planners may propose it, triage decides; it picks the model, not whether the task runs. */
export const COMPLEXITIES = ['low', 'normal', 'high'] as const;
export type Complexity = (typeof COMPLEXITIES)[number];

/** One routing rule: every condition given must hold; the first matching rule names the model. */
export interface RouteRule {
  type?: string;
  project?: string;
  complexity?: Complexity;
  /** The task's priority number is at most this (0 = most urgent). */
  maxPriority?: number;
  /** The rule applies to runs of this profile only. */
  profile?: string;
  model: string;
}

/** What routing reads of a profile. */
export interface RoutedProfile {
  model?: string;
  models?: Partial<Record<Complexity, string>>;
}

/** What routing reads of a task. */
export interface RoutedTask {
  type: string;
  project: string;
  priority: number;
  complexity?: string | null;
}

/** The model a run of `profileName` uses for `task`: the first matching rule, else the profile's model for the task's complexity (normal when unset), else its `model`, else the CLI's own (undefined). */
export function chooseModel(profileName: string, profile: RoutedProfile, task: RoutedTask, rules: readonly RouteRule[] = []): string | undefined {
  const complexity = (task.complexity ?? 'normal') as Complexity;
  const rule = rules.find(
    (r) =>
      (r.profile === undefined || r.profile === profileName) &&
      (r.type === undefined || r.type === task.type) &&
      (r.project === undefined || r.project === task.project) &&
      (r.complexity === undefined || r.complexity === complexity) &&
      (r.maxPriority === undefined || task.priority <= r.maxPriority),
  );
  return rule?.model ?? profile.models?.[complexity] ?? profile.model;
}
