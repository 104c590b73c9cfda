import { z } from "zod";
import { expandEnv } from "./env.js";

/**
 * `catchUp.nntp`: how catch-up reaches the local server for groups not stored by tradspool (it
 * reads their overview). Where and as whom default to INN's own: inn.conf's port and bindaddress,
 * and a line for the server in INN's passwd.nntp (as inews and rnews use it). The admin chooses:
 * `user`/`password` here (the password best as ${env:NAME}), or `passwdNntp: false` for none.
 */
export function catchUpNntpSchema(env: NodeJS.ProcessEnv = process.env) {
  const shape = z
    .strictObject({
      host: z
        .string()
        .regex(/^[A-Za-z0-9.:_-]{1,253}$/, "expected a host name or an IP address")
        .optional()
        .describe("Where innd answers readers (default: inn.conf bindaddress, else 127.0.0.1)."),
      port: z
        .int()
        .min(1)
        .max(65_535)
        .optional()
        .describe("Its port (default: inn.conf port, else 119)."),
      user: z
        .string()
        .regex(/^\S{1,500}$/, "expected a user name without spaces")
        .optional()
        .describe("AUTHINFO user when readers.conf asks for one (with password)."),
      password: z
        .string()
        .regex(/^[^\r\n\0]{0,500}$/, "must be one line")
        .optional()
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${env:…} syntax
        .describe("Its password; best as ${env:NAME}."),
      passwdNntp: z
        .boolean()
        .default(true)
        .describe("Without user: take the credentials from INN's passwd.nntp, as INN's tools do."),
    })
    .superRefine((n, ctx) => {
      if ((n.user === undefined) !== (n.password === undefined))
        ctx.addIssue({
          code: "custom",
          path: [n.user === undefined ? "user" : "password"],
          message: "user and password go together",
        });
    });
  return z.preprocess((input, ctx) => {
    const { value, problems } = expandEnv(input, env);
    for (const p of problems)
      ctx.addIssue({ code: "custom", message: p.message, path: p.path, input });
    return problems.length > 0 ? input : value;
  }, shape);
}
