/**
 * A count of the elementary steps (characters scanned) a parse took: the linear-time tests double
 * an input and check that the count at most doubles, which no clock on a shared machine can show.
 */
export interface Meter {
  steps: number;
}
