// Drives a Toxiproxy-compatible server with the published toxiproxy-node-client (every public
// method: getVersion, createProxy, get, getAll, populate, reset, Proxy.update/addToxic/getToxic/
// remove, Toxic.update/remove). Prints one JSON line per step for the pytest side to assert.
// Usage: node node_client_script.js <api url> <upstream host:port> <free listen port>
"use strict";

const net = require("net");
const { Toxiproxy } = require("toxiproxy-node-client");

const [url, upstream, listenPort] = process.argv.slice(2);
const out = (obj) => console.log(JSON.stringify(obj));

function canConnect(listen) {
  return new Promise((resolve) => {
    const idx = listen.lastIndexOf(":");
    const sock = net.connect({ host: listen.slice(0, idx), port: Number(listen.slice(idx + 1)) });
    const timer = setTimeout(() => { sock.destroy(); resolve(false); }, 2000);
    sock.on("connect", () => { clearTimeout(timer); sock.destroy(); resolve(true); });
    sock.on("error", () => { clearTimeout(timer); resolve(false); });
  });
}

function statusOf(err) {
  const match = /status code (\d+)/.exec(err.message);
  return match ? Number(match[1]) : -1;
}

async function main() {
  const toxiproxy = new Toxiproxy(url);
  out({ step: "version", text: await toxiproxy.getVersion() });

  const proxy = await toxiproxy.createProxy({
    listen: `localhost:${listenPort}`, name: "shop", upstream });
  out({ step: "create", name: proxy.name, enabled: proxy.enabled, listen: proxy.listen,
        upstream: proxy.upstream });

  const fetched = await toxiproxy.get("shop");
  out({ step: "get", name: fetched.name, enabled: fetched.enabled });

  const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream });
  out({ step: "disable", enabled: disabled.enabled, connect: await canConnect(proxy.listen) });
  const enabled = await proxy.update({ enabled: true, listen: proxy.listen, upstream });
  out({ step: "enable", enabled: enabled.enabled, connect: await canConnect(proxy.listen) });

  const toxic = await proxy.addToxic({ type: "latency", attributes: { latency: 20 } });
  out({ step: "add_toxic", ...toxic.toJson() });
  const readBack = await proxy.getToxic("latency_downstream");
  out({ step: "get_toxic", attributes: readBack.attributes });
  const updated = await toxic.update({ attributes: { latency: 30, jitter: 5 } });
  out({ step: "update_toxic", attributes: updated.attributes });
  await toxic.remove();
  try {
    await proxy.getToxic("latency_downstream");
    out({ step: "remove_toxic", status: 200 });
  } catch (err) {
    out({ step: "remove_toxic", status: statusOf(err) });
  }

  const populated = await toxiproxy.populate([
    { listen: "localhost:0", name: "erp", upstream },
    { listen: "localhost:0", name: "crm", upstream },
  ]);
  out({ step: "populate", names: Object.keys(populated).sort() });
  const none = await toxiproxy.populate([]);
  out({ step: "populate_empty", names: Object.keys(none) });
  out({ step: "get_all", names: Object.keys(await toxiproxy.getAll()) });

  await populated.erp.addToxic({ type: "timeout", attributes: { timeout: 100 } });
  await populated.crm.update({ enabled: false, listen: populated.crm.listen, upstream });
  await toxiproxy.reset();
  const afterReset = await toxiproxy.getAll();
  let toxicCount = 0;
  for (const name of Object.keys(afterReset)) {
    const res = await toxiproxy.getApi().get(`${url}/proxies/${name}/toxics`);
    toxicCount += res.data.length;
  }
  out({ step: "reset", enabled: Object.values(afterReset).map((p) => p.enabled),
        toxics: toxicCount });

  try {
    await toxiproxy.createProxy({ listen: "localhost:0", name: "shop", upstream });
    out({ step: "duplicate", message: "no error" });
  } catch (err) {
    out({ step: "duplicate", message: err.message });
  }

  for (const p of Object.values(await toxiproxy.getAll())) {
    await p.remove();
  }
  out({ step: "remove", names: Object.keys(await toxiproxy.getAll()) });
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
