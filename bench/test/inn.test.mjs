// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";
import { kernelDev } from "../lib/creation.mjs";
import { privateInnConf, storageConf } from "../lib/inn.mjs";

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

test("storage.conf stores every group by the method asked; CNFS gets its cycbuff.conf", () => {
  const trad = storageConf("tradspool");
  assert.match(trad.storage, /^method tradspool \{$/m);
  assert.match(trad.storage, /^ {4}newsgroups: \*$/m);
  assert.equal(trad.cycbuff, null);
  const cnfs = storageConf("cnfs", { cycbuffPath: "/r/spool/cycbuffs/bna", cycbuffKb: 32768 });
  assert.match(cnfs.storage, /^ {4}options: BENCH$/m);
  assert.equal(cnfs.cycbuff, "cycbuff:BNA:/r/spool/cycbuffs/bna:32768\nmetacycbuff:BENCH:BNA\n");
  assert.doesNotMatch(storageConf("timecaf").storage, /options/);
});
