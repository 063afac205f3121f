import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApolloServer } from "@apollo/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { gatewayEnvironment } from "../cli/gatewayCommand.js";
import { subgraphEnvironment } from "../cli/subgraphCommand.js";
import { loadCalderaConfig } from "../config/loadCalderaConfig.js";
import { type ServedApollo, serveApollo } from "../services/serveApollo.js";
import { imageEnvironment } from "../test/support/spawnCalderaPart.js";

/**
 * The Kubernetes manifests (deploy/kubernetes/*.yaml) checked against the code they run: what the commands read,
 * the paths the servers serve, the ports they listen on, and each other (Services and budgets select real pods,
 * volumes name ConfigMaps that exist).
 */

const root = fileURLToPath(new URL("../", import.meta.url));
const folder = join(root, "deploy/kubernetes");

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML, checked field by field below
  spec?: any;
  data?: Record<string, string>;
};
type Container = {
  name: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: Record<string, { name?: string; key?: string; optional?: boolean; fieldPath?: string }>;
  }[];
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: { cpu?: string; memory?: string } };
};

const KNOWN: Record<string, readonly string[]> = {
  v1: ["ConfigMap", "Service", "Secret"],
  "apps/v1": ["Deployment", "StatefulSet"],
  "policy/v1": ["PodDisruptionBudget"],
};

const files = readdirSync(folder).filter((f) => /\.ya?ml$/.test(f));
const manifests: Manifest[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(folder, file), "utf8")).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
    return doc.toJS() as Manifest;
  }),
);
const of = (kind: string) => manifests.filter((m) => m.kind === kind);
const workloads = manifests.filter((m) => m.kind === "Deployment" || m.kind === "StatefulSet");
const workload = (component: string) => {
  const found = workloads.find(
    (w) => w.spec.template.metadata.labels["app.kubernetes.io/component"] === component,
  );
  if (!found) throw new Error(`no workload for ${component}`);
  return found;
};
const containerOf = (w: Manifest): Container => w.spec.template.spec.containers[0];
const envOf = (c: Container) => new Map((c.env ?? []).map((e) => [e.name, e]));
const value = (c: Container, name: string) => envOf(c).get(name)?.value;
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Env names a value only refers to as `$(NAME)` (Kubernetes expands them); the process itself never reads them. */
const expansionOnly = (c: Container) =>
  new Set(
    (c.env ?? [])
      .filter((e) => (c.env ?? []).some((o) => o.value?.includes(`$(${e.name})`)))
      .map((e) => e.name),
  );

describe("deploy/kubernetes manifests", () => {
  it("parse, and are kinds Kubernetes knows at those API versions, each named once", () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const m of manifests) {
      expect(KNOWN[m.apiVersion], `${m.kind} ${m.metadata?.name}`).toContain(m.kind);
      expect(m.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    const keys = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("have the production shape: one indexer (Recreate), N subgraphs, M gateways, budgets for both", () => {
    const indexer = workload("indexer");
    expect(indexer.kind).toBe("Deployment");
    expect(indexer.spec.replicas).toBe(1);
    expect(indexer.spec.strategy.type).toBe("Recreate");
    expect(workload("subgraph").spec.replicas).toBeGreaterThanOrEqual(2);
    expect(workload("gateway").spec.replicas).toBeGreaterThanOrEqual(2);
    for (const component of ["subgraph", "gateway"]) {
      const labels = workload(component).spec.template.metadata.labels;
      expect(of("PodDisruptionBudget").some((p) => selects(p.spec.selector.matchLabels, labels))).toBe(true);
    }
    for (const w of workloads) {
      expect(selects(w.spec.selector.matchLabels, w.spec.template.metadata.labels)).toBe(true);
      const requests = containerOf(w).resources?.requests;
      expect(requests?.cpu && requests.memory, w.metadata.name).toBeTruthy();
    }
  });

  it("set exactly the variables `caldera subgraph` and `caldera gateway` read, and every one they require", () => {
    for (const [component, names] of [
      ["subgraph", subgraphEnvironment],
      ["gateway", gatewayEnvironment],
    ] as const) {
      const c = containerOf(workload(component));
      expect(c.command).toEqual(["node", "bin/caldera.mjs", component]);
      const set = [...envOf(c).keys()].filter((n) => !expansionOnly(c).has(n));
      const read: readonly string[] = [...names.required, ...names.optional];
      expect(
        set.filter((n) => !read.includes(n)),
        `${component} sets what it never reads`,
      ).toEqual([]);
      expect(
        names.required.filter((n) => !set.includes(n)),
        `${component} misses`,
      ).toEqual([]);
      const docs = readFileSync(join(root, "docs/production.md"), "utf8");
      expect(
        read.filter((n) => !docs.includes(`\`${n}\``)),
        "undocumented in docs/production.md",
      ).toEqual([]);
      // Listening beyond loopback needs the shared secret (the subgraph answers `_entities` only with it).
      expect(value(c, "HOST")).toBe("0.0.0.0");
      expect(envOf(c).has("CALDERA_GATEWAY_SECRET")).toBe(true);
    }
  });

  it("give ponder exactly what indexer/ponder.config.ts reads", () => {
    const source = readFileSync(join(root, "indexer/ponder.config.ts"), "utf8");
    const read = [...new Set([...source.matchAll(/process\.env\.([A-Z_]+)/g)].map((m) => m[1] as string))];
    const c = containerOf(workload("indexer"));
    const set = [...envOf(c).keys()].filter((n) => n !== "PONDER_TELEMETRY_DISABLED");
    expect(set.sort()).toEqual(read.sort());
    const args = c.command ?? [];
    expect(args[1]).toBe("node_modules/ponder/dist/esm/bin/ponder.js");
    expect(existsSync(join(root, args[1] as string))).toBe(true);
    expect(args[args.indexOf("--root") + 1]).toBe("indexer");
  });

  it("listen where they say: PORT and probes on the container's port, Services on the pods' ports and labels", () => {
    for (const w of workloads) {
      const c = containerOf(w);
      const ports = c.ports ?? [];
      const component = w.spec.template.metadata.labels["app.kubernetes.io/component"];
      const portValue = value(c, "PORT") ?? c.command?.[(c.command?.indexOf("--port") ?? -2) + 1];
      expect(
        ports.map((p) => p.containerPort),
        w.metadata.name,
      ).toContain(Number(portValue));
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        const port = probe?.httpGet?.port;
        expect(
          ports.some((p) => p.name === port || p.containerPort === port),
          `${component} probe port`,
        ).toBe(true);
      }
      expect(c.readinessProbe?.httpGet?.path).toBe("/ready");
      expect(c.livenessProbe?.httpGet?.path).toBe("/health");
    }
    for (const service of of("Service")) {
      const pods = workloads.filter((w) => selects(service.spec.selector, w.spec.template.metadata.labels));
      expect(pods.length, `Service ${service.metadata.name} selects no pods`).toBeGreaterThan(0);
      for (const { targetPort } of service.spec.ports)
        for (const w of pods)
          expect(
            (containerOf(w).ports ?? []).some((p) => p.name === targetPort || p.containerPort === targetPort),
          ).toBe(true);
    }
  });

  it("point at each other: the gateway at every subgraph replica, the subgraph at the indexer's Service", () => {
    const subgraph = workload("subgraph");
    const headless = of("Service").find((s) => s.metadata.name === subgraph.spec.serviceName);
    expect(headless?.spec.clusterIP).toBe("None");
    const port = containerOf(subgraph).ports?.[0]?.containerPort;
    const urls = value(containerOf(workload("gateway")), "CALDERA_SUBGRAPH_URLS")?.split(",") ?? [];
    expect(urls).toEqual(
      Array.from(
        { length: subgraph.spec.replicas },
        (_, i) => `http://${subgraph.metadata.name}-${i}.${headless?.metadata.name}:${port}/graphql`,
      ),
    );
    const indexerUrl = new URL(value(containerOf(subgraph), "CALDERA_INDEXER_URL") as string);
    const indexerService = of("Service").find((s) => s.metadata.name === indexerUrl.hostname);
    expect(indexerService?.spec.ports.map((p: { port: number }) => p.port)).toContain(
      Number(indexerUrl.port),
    );
  });

  it("mount the files they name, from ConfigMaps that exist; secrets come from the documented Secrets", () => {
    const docs = readFileSync(join(root, "docs/production.md"), "utf8");
    const configMaps = new Map(of("ConfigMap").map((m) => [m.metadata.name, m]));
    for (const w of workloads) {
      const c = containerOf(w);
      const volumes = new Map<string, { configMap?: { name: string }; secret?: { secretName: string } }>(
        (w.spec.template.spec.volumes ?? []).map((v: { name: string }) => [v.name, v]),
      );
      for (const mount of c.volumeMounts ?? []) {
        const volume = volumes.get(mount.name);
        expect(volume, `${w.metadata.name} mounts ${mount.name}`).toBeDefined();
        if (volume?.configMap) expect(configMaps.has(volume.configMap.name)).toBe(true);
        if (volume?.secret) expect(docs).toContain(volume.secret.secretName);
      }
      // A variable naming a file names one in a mounted volume (a ConfigMap's key, or a Secret's).
      for (const e of c.env ?? []) {
        if (!e.value?.startsWith("/etc/")) continue;
        const mount = (c.volumeMounts ?? []).find((m) => e.value?.startsWith(`${m.mountPath}/`));
        expect(mount, `${e.name} is on no mounted volume`).toBeDefined();
        const volume = volumes.get(mount?.name ?? "");
        const key = e.value.slice((mount?.mountPath.length ?? 0) + 1);
        if (volume?.configMap)
          expect(Object.keys(configMaps.get(volume.configMap.name)?.data ?? {})).toContain(key);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) continue;
        expect(ref.name).toBe("caldera-secrets");
        expect(docs, `docs/production.md documents the key ${ref.key}`).toContain(`\`${ref.key}\``);
      }
    }
  });

  it("carry a caldera.config.json the hub accepts, with the views schema ponder writes", () => {
    const json = configMapsData("caldera-config")["caldera.config.json"] as string;
    const dir = mkdtempSync(join(tmpdir(), "caldera-k8s-config-"));
    try {
      writeFileSync(join(dir, "caldera.config.json"), json);
      const config = loadCalderaConfig(dir);
      const args = containerOf(workload("indexer")).command ?? [];
      expect(args[args.indexOf("--views-schema") + 1]).toBe(config.viewsSchema);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function configMapsData(name: string): Record<string, string> {
  return of("ConfigMap").find((m) => m.metadata.name === name)?.data ?? {};
}

describe("deploy/Dockerfile", () => {
  it("sets the environment the parts are measured in (the scale bench spawns them with imageEnvironment)", () => {
    expect(imageEnvironment()).toEqual({
      NODE_ENV: "production",
      NODE_OPTIONS: "--max-semi-space-size=64",
      APOLLO_TELEMETRY_DISABLED: "1",
      PONDER_TELEMETRY_DISABLED: "true",
    });
  });
});

describe("the probes' paths are served", () => {
  let served: ServedApollo;
  beforeAll(async () => {
    // serveApollo is the HTTP front of both the gateway and the subgraph: what it answers, they answer.
    const server = new ApolloServer({
      typeDefs: "type Query { ok: Boolean }",
      stopOnTerminationSignals: false,
    });
    served = await serveApollo({
      server,
      port: 0,
      context: async () => ({}),
      readiness: async () => ({ ready: true }),
      maxBodyBytes: 1_000,
    });
  });
  afterAll(async () => {
    await served?.stop();
  });

  it("by the gateway and the subgraph (serveApollo), and by ponder", async () => {
    for (const component of ["gateway", "subgraph"]) {
      const c = containerOf(workload(component));
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        const response = await fetch(new URL(probe?.httpGet?.path as string, served.url));
        expect(response.status, `${component} ${probe?.httpGet?.path}`).toBe(200);
      }
    }
    // A path it does not serve is 404: the check above can fail.
    expect((await fetch(new URL("/healthz", served.url))).status).toBe(404);
    const ponderServer = readFileSync(join(root, "node_modules/ponder/dist/esm/server/index.js"), "utf8");
    const c = containerOf(workload("indexer"));
    for (const probe of [c.readinessProbe, c.livenessProbe])
      expect(ponderServer).toContain(`.get("${probe?.httpGet?.path}"`);
  });
});
