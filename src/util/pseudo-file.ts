import { open } from "node:fs/promises";

/**
 * The whole of a file the kernel reports as 0 bytes long (/proc, /sys, tracefs), read until EOF.
 * node 18's fs.promises.readFile stops after its first chunk for such files: Debian 12's node
 * 18.20.4 read 4,071 of /proc/kallsyms' 5,388,731 bytes (node 20 reads them whole), so a
 * function list or a mount table read that way is silently cut.
 */
export async function readPseudoFile(
  path: string,
  encoding: BufferEncoding = "utf8",
): Promise<string> {
  const fh = await open(path, "r");
  try {
    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks).toString(encoding);
  } finally {
    await fh.close();
  }
}
