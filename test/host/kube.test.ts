/**
 * `nuwa-host kube DIR`: the manifests for an app folder, checked three ways. Their fields (probes on PID 1's
 * endpoint, the grace period from the stop budget, the read-only root with /run in memory, a claim per volume,
 * ConfigMap and Secret from nuwa.env, the Ingress for NUWA_DOMAIN); the Kubernetes schemas of kubernetes-models
 * (the printed YAML, parsed back, validates, and a field of the wrong type does not); and a real engine:
 * `podman kube play` runs them, the app answers, and a stop within the grace period goes through nuwa's graceful path.
 * Bad input is one line naming the rule. The image is a minimal nuwa image (kube-image.ts), not the layer chain.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { validateAll, type Manifest } from '../../host-cli/src/kube-manifests';
import { CONTAINERS_CONF, podman, requireCommand, waitFor } from '../helpers';
import { httpGet } from '../helpers/http';
import { minimalImage } from '../helpers/minimal-image';
import { appFolder, cleanup, nuwaHost, scratchDir } from './host-helpers';
import { APP_PORT, kubeTestImage } from './kube-image';

const IMAGE = 'localhost/nuwa-w16-kube:latest';
const APP = 'nuwa-w16-kube';
let srv = '';

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed document, checked field by field below
  [key: string]: any;
}

function kube(dir: string, args: string[] = []): { code: number; stdout: string; stderr: string; docs: Doc[] } {
  const r = nuwaHost(['kube', dir, ...args]);
  const docs = r.code === 0 ? parseAllDocuments(r.stdout).map((d) => d.toJS() as Doc) : [];
  return { ...r, docs };
}

const find = (docs: Doc[], kind: string) => docs.find((d) => d.kind === kind) as Doc;

test.before(() => {
  requireCommand('podman');
  kubeTestImage(IMAGE);
  srv = scratchDir('nuwa-w16-kube-');
});

test.after.always(() => {
  const env = { ...process.env, CONTAINERS_CONF };
  spawnSync('podman', ['pod', 'rm', '-f', `${APP}-pod-0`], { env });
  spawnSync('podman', ['volume', 'rm', '-f', `${APP}-var-lib-app`], { env });
  spawnSync('podman', ['rmi', '-f', IMAGE], { env });
  cleanup();
});

test('the manifests: probes on /readyz and /livez, grace from the stop budget, read-only root, claims, env split, Ingress', (t) => {
  const dir = appFolder(
    srv,
    'fields',
    `NUWA_IMAGE=${IMAGE}\nNUWA_PORT=18099\nNUWA_NAME=shop\nNUWA_DOMAIN=shop.example.org\n` +
      'NUWA_SECRETS=DATABASE_URL\nDATABASE_URL=postgres://u:pw@db/shop\nSECRET_KEY=k3y\nGREETING=hi\nS6_KILL_GRACETIME=7000\n',
  );
  const { code, stderr, docs } = kube(dir, ['--namespace', 'prod', '--tls-secret', 'shop-tls', '--ingress-class', 'nginx']);
  t.is(code, 0, stderr);
  t.deepEqual(
    docs.map((d) => `${d.kind}/${d.metadata.name}`),
    [
      'ConfigMap/shop-env',
      'Secret/shop-secrets',
      'PersistentVolumeClaim/shop-var-lib-app',
      'Deployment/shop',
      'Service/shop',
      'Ingress/shop',
    ],
  );
  t.true(docs.every((d) => d.metadata.namespace === 'prod'));
  t.deepEqual(find(docs, 'ConfigMap').data, { GREETING: 'hi', S6_KILL_GRACETIME: '7000' });
  const secret = find(docs, 'Secret').data as Record<string, string>;
  t.deepEqual(Object.keys(secret).sort(), ['DATABASE_URL', 'SECRET_KEY']);
  t.is(Buffer.from(secret.DATABASE_URL ?? '', 'base64').toString(), 'postgres://u:pw@db/shop');

  const deployment = find(docs, 'Deployment');
  t.is(deployment.spec.strategy.type, 'Recreate', 'one replica owns the volume');
  const pod = deployment.spec.template.spec;
  t.false(pod.shareProcessNamespace);
  // preStop 5 s + S6_SERVICES_GRACETIME 3 s + S6_KILL_GRACETIME 7 s (nuwa.env) + 2 s margin
  t.is(pod.terminationGracePeriodSeconds, 17);
  const [c] = pod.containers;
  t.deepEqual(c.env, [{ name: 'NUWA_HEALTH_ADDRESS', value: '0.0.0.0:9000' }]);
  t.like(c.readinessProbe, { httpGet: { path: '/readyz', port: 9000 } });
  t.like(c.startupProbe, { httpGet: { path: '/readyz', port: 9000 } });
  t.like(c.livenessProbe, { httpGet: { path: '/livez', port: 9000 } });
  t.deepEqual(c.lifecycle.preStop.exec.command, ['sleep', '5']);
  t.like(c.securityContext, { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  t.deepEqual(c.ports, [
    { name: 'http', containerPort: APP_PORT },
    { name: 'health', containerPort: 9000 },
  ]);
  const run = pod.volumes.find((v: { name: string }) => v.name === 'run');
  t.deepEqual(run.emptyDir, { medium: 'Memory', sizeLimit: '64Mi' });
  t.true(c.volumeMounts.some((m: { name: string; mountPath: string }) => m.name === 'run' && m.mountPath === '/run'));
  t.like(find(docs, 'Ingress').spec, { ingressClassName: 'nginx', tls: [{ hosts: ['shop.example.org'], secretName: 'shop-tls' }] });
  t.like(find(docs, 'Ingress').spec.rules[0], { host: 'shop.example.org' });
});

test('the printed YAML validates against the Kubernetes schemas; a field of the wrong type does not', (t) => {
  const dir = appFolder(srv, 'schema', `NUWA_IMAGE=${IMAGE}\nNUWA_PORT=18099\nNUWA_NAME=shop\n`);
  const { code, stderr, docs } = kube(dir);
  t.is(code, 0, stderr);
  const deployment = find(docs, 'Deployment');
  t.notThrows(() => validateAll([new Deployment(deployment)] as Manifest[]));
  deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = 'yes';
  const err = t.throws(() => validateAll([new Deployment(deployment)] as Manifest[]));
  t.regex(err?.message ?? '', /^Deployment shop: .*readOnlyRootFilesystem must be boolean/);
  delete deployment.spec.template.spec.containers[0].securityContext;
  delete deployment.spec.selector;
  t.throws(() => validateAll([new Deployment(deployment)] as Manifest[]), { message: /must have required property selector/ });
});

test('bad input: one line naming the rule, nothing on stdout', (t) => {
  const cases: Array<[string, string, string[], RegExp]> = [
    ['no-setup', '', [], /has no nuwa\.env: not an app folder \(run the image's Setup line there first/],
    ['no-port', `NUWA_IMAGE=${minimalImage()}\n`, [], /has no label nuwa\.port and not exactly one EXPOSEd port/],
    [
      'upper',
      `NUWA_IMAGE=${IMAGE}\nNUWA_NAME=MyShop\n`,
      [],
      /the app name .* 'MyShop' is not a name Kubernetes accepts: an RFC 1035 label/,
    ],
    ['long', `NUWA_IMAGE=${IMAGE}\nNUWA_NAME=${'a'.repeat(64)}\n`, [], /is not a name Kubernetes accepts: .* at most 63 characters/],
    ['ns', `NUWA_IMAGE=${IMAGE}\n`, ['--namespace', 'Prod'], /--namespace 'Prod' is not a name Kubernetes accepts: an RFC 1123 label/],
    ['replicas', `NUWA_IMAGE=${IMAGE}\n`, ['--replicas', '3'], /--replicas 3: the app keeps its data in volumes \(\/var\/lib\/app\)/],
  ];
  for (const [name, env, args, message] of cases) {
    const dir = path.join(srv, `bad-${name}`);
    fs.mkdirSync(dir);
    if (env) fs.writeFileSync(path.join(dir, 'nuwa.env'), env);
    const r = nuwaHost(['kube', dir, ...args]);
    t.is(r.code, 1, `${name}: ${r.stderr}`);
    t.is(r.stdout, '', name);
    t.is(r.stderr.trim().split('\n').length, 1, `${name}: ${r.stderr}`);
    t.regex(r.stderr, message, name);
  }
});

test('podman kube play runs them: read-only root, the app answers, PID 1 is ready; a stop in the grace period is graceful', async (t) => {
  const dir = appFolder(srv, APP, `NUWA_IMAGE=${IMAGE}\nNUWA_PORT=18099\nGREETING=from-the-configmap\n`);
  const file = path.join(srv, 'app.yaml');
  const generated = nuwaHost(['kube', dir, '-o', file]);
  t.is(generated.code, 0, generated.stderr);
  const grace = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc);
  const seconds = find(grace, 'Deployment').spec.template.spec.terminationGracePeriodSeconds as number;

  podman(['kube', 'play', file]);
  const ctr = `${APP}-pod-0-${APP}`;
  const ip = podman(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', ctr]).trim();
  t.regex(ip, /^\d+\.\d+\.\d+\.\d+$/);
  const home = await waitFor('the app to answer on the pod IP', () => httpGet(APP_PORT, '/', ip).catch(() => undefined));
  t.deepEqual(home, { status: 200, body: 'hello from the nuwa kube test app\n' });
  const ready = await waitFor('/readyz 200', async () => {
    const r = await httpGet(9000, '/readyz', ip).catch(() => undefined);
    return r?.status === 200 ? r : undefined;
  });
  t.regex(ready.body, /"healthy":true,"boot":"up"/);
  t.is(podman(['inspect', '-f', '{{.HostConfig.ReadonlyRootfs}}', ctr]).trim(), 'true');
  t.not(spawnSync('podman', ['exec', ctr, 'sh', '-c', 'echo > /x'], { env: { ...process.env, CONTAINERS_CONF } }).status, 0);
  t.regex(
    podman(['inspect', '-f', '{{json .Config.Healthcheck.Test}}', ctr]),
    /localhost:9000\/livez/,
    'liveness became a podman healthcheck',
  );
  t.regex(podman(['logs', ctr]), /web: GREETING=from-the-configmap/);

  // The kubelet's stop: SIGTERM, then SIGKILL after the grace period (podman 4.3's kube down alone kills at once).
  podman(['pod', 'stop', '-t', String(seconds), `${APP}-pod-0`]);
  t.is(podman(['inspect', '-f', '{{.State.ExitCode}}', ctr]).trim(), '0', 'nuwa stopped the tree and exited 0');
  t.regex(podman(['logs', ctr]), /web: SIGTERM, stopping/);
  podman(['kube', 'down', file]);
  t.is(spawnSync('podman', ['pod', 'exists', `${APP}-pod-0`], { env: { ...process.env, CONTAINERS_CONF } }).status, 1);
});
