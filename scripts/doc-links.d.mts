export interface Link {
  line: number;
  target: string;
  /** The file part, "" for an anchor of the same file. */
  path: string;
  anchor: string | null;
}
export function withoutCode(text: string): string;
export function relativeLinks(text: string): Link[];
export function headingAnchors(text: string): Set<string>;
export function shipClosure(root: string, files: string[]): string[];
