// Just enough of the untyped emailjs packages for src/article (read from their sources in node_modules).

declare module "emailjs-mime-parser" {
  export interface HeaderValue {
    value: unknown;
    /** The value as it stood in the header, before any decoding. */
    initial: string;
    params?: Record<string, string>;
  }

  /** One node of the MIME tree; fields are set once the node's header has ended. */
  export class MimeNode {
    /** Header lines of this node, folded continuations joined with "\n". */
    header: string[];
    headers: Record<string, HeaderValue[] | undefined>;
    childNodes: MimeNode[];
    /** Every line written to this node joined with "\n" (leading empty lines are dropped); not kept once bounded (mime.ts). */
    raw: string;
    contentType?: { value: string; type: string; params: Record<string, string> };
    contentTransferEncoding?: { value: string };
    constructor(nodeCounter?: { bump(): void });
    writeLine(line: string): void;
    finalize(): void;
  }
}

declare module "emailjs-addressparser" {
  export interface ParsedAddress {
    name?: string;
    address?: string;
    group?: ParsedAddress[];
  }
  type ParseAddressList = (value: string) => ParsedAddress[];
  const mod: ParseAddressList | { default: ParseAddressList };
  export default mod;
}
