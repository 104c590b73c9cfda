/** The part of vitest's JSON reporter output that the summary reads. */
export interface VitestReport {
  numPassedTests?: number;
  numFailedTests?: number;
  numPendingTests?: number;
  numTodoTests?: number;
  testResults?: {
    name: string;
    status: string;
    message?: string;
    assertionResults?: { status: string }[];
  }[];
}

export interface Summary {
  /** `vitest: N passed, M failed[, K skipped]` */
  line: string;
  /** One line per suite that failed as a whole. */
  notes: string[];
  passed: number;
  failed: number;
  skipped: number;
  ok: boolean;
}

export function summarize(report: VitestReport): Summary;
