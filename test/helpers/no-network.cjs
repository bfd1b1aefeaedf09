// Preloaded (node --require) into a CLI process that must not touch the network: every outgoing connection,
// listening socket and DNS lookup is recorded in MW_NET_LOG and refused.
const fs = require("node:fs");
const net = require("node:net");
const dns = require("node:dns");
const log = process.env.MW_NET_LOG;
const record = (what) => {
  if (log) fs.appendFileSync(log, `${what}\n`);
};
const refuse = (what) => {
  record(what);
  throw new Error(`network use refused in this test: ${what}`);
};
net.Socket.prototype.connect = function (...a) {
  const o = a[0];
  refuse(
    `connect ${typeof o === "object" && o ? JSON.stringify({ host: o.host, port: o.port, path: o.path }) : String(o)}`,
  );
};
net.Server.prototype.listen = function () {
  refuse("listen");
};
dns.lookup = function (host) {
  refuse(`dns ${host}`);
};
const rejecting = (what) => {
  try {
    return refuse(what);
  } catch (e) {
    return Promise.reject(e);
  }
};
dns.promises.lookup = (host) => rejecting(`dns ${host}`);
globalThis.fetch = (url) => rejecting(`fetch ${String(url)}`);
