// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";
import { kernelDev } from "../lib/creation.mjs";
import { privateInnConf } from "../lib/inn.mjs";

test("the private inn.conf moves every path under its root and keeps the rest", () => {
  const system = "organization: x\npathdb:   /var/lib/news\nport: 119\nwireformat: true\n";
  const conf = privateInnConf(system, "/tmp/r", 1234);
  assert.ok(!conf.includes("/var/lib/news"));
  assert.match(conf, /^pathdb: \/tmp\/r\/db$/m);
  assert.match(conf, /^port: 1234$/m);
  assert.match(conf, /^organization: x$/m);
  assert.match(conf, /^wireformat: true$/m);
  assert.equal(conf.match(/^port:/gm)?.length, 1);
});

test("st_dev is re-encoded the way the kernel's tracepoints print dev_t", () => {
  assert.equal(kernelDev(0xfe00), (254 << 20) | 0); // 254:0, /dev/vda here
  assert.equal(kernelDev(0x0803), (8 << 20) | 3); // 8:3, sda3
});
