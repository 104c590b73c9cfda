/** The `metrics:` key: off unless set, loopback unless allowRemote says otherwise. */
import { describe, expect, it } from "vitest";
import { configSchema } from "../../../src/config/schema.js";

const schema = configSchema({
  spool: "/var/spool/news/articles",
  activeFile: "/var/lib/news/active",
});

describe("metrics config", () => {
  it.each([
    [undefined, undefined],
    [{}, { listen: "127.0.0.1:9464", allowRemote: false, hosts: [] }],
    [{ listen: "[::1]:0" }, { listen: "[::1]:0", allowRemote: false, hosts: [] }],
    [
      { listen: "0.0.0.0:9464", allowRemote: true, hosts: ["news.example.net"] },
      { listen: "0.0.0.0:9464", allowRemote: true, hosts: ["news.example.net"] },
    ],
  ])("%j → %j", (metrics, want) => {
    expect(schema.parse({ metrics }).metrics).toEqual(want);
  });

  it.each([
    [{ listen: "0.0.0.0:9464" }, /not a loopback address; set metrics.allowRemote: true/],
    [{ listen: "prometheus.example:9464" }, /not an IP address/],
    [{ listen: "127.0.0.1" }, /HOST:PORT/],
    [{ listen: "127.0.0.1:9464", public: true }, /public/],
    [{ hosts: ["evil.example/x"] }, /expected a host name/],
    [{ hosts: "news.example.net" }, /array/],
  ])("%j is refused", (metrics, problem) => {
    const r = schema.safeParse({ metrics });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(problem);
  });
});
