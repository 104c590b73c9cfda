// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";
import { bpfDelta, parseFdinfo } from "../lib/bpfstats.mjs";

// A bpftrace program fd's fdinfo as Linux 6.18 prints it (kernel.bpf_stats_enabled=1).
const PROG = `pos:\t0
flags:\t02000002
mnt_id:\t17
ino:\t1030
prog_type:\t5
prog_jited:\t1
prog_tag:\t0dfd37cd38701cc7
memlock:\t4096
prog_id:\t100
run_time_ns:\t3222339
run_cnt:\t16805
recursion_misses:\t0
verified_insns:\t45
`;

test("a program fd's fdinfo gives its id, run time and runs; other fds give null", () => {
  assert.deepEqual(parseFdinfo(PROG), { id: 100, runTimeNs: 3222339, runCnt: 16805 });
  assert.equal(parseFdinfo("pos:\t0\nflags:\t02\nmnt_id:\t17\nino:\t5\n"), null);
  // Counters off on an older kernel: the fields are missing, the program still counts as zero.
  assert.deepEqual(parseFdinfo("prog_type:\t5\nprog_id:\t7\n"), { id: 7, runTimeNs: 0, runCnt: 0 });
});

test("the delta sums the programs; one loaded in between counts from zero", () => {
  const before = new Map([[100, { runTimeNs: 1000, runCnt: 10 }]]);
  const after = new Map([
    [100, { runTimeNs: 4000, runCnt: 40 }],
    [101, { runTimeNs: 500, runCnt: 5 }],
  ]);
  assert.deepEqual(bpfDelta(before, after), {
    runTimeNs: 3500,
    runCnt: 35,
    programs: [
      { id: 100, runTimeNs: 3000, runCnt: 30 },
      { id: 101, runTimeNs: 500, runCnt: 5 },
    ],
  });
});
