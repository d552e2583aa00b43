/**
 * The probes of `nuwa-host kube` must reach PID 1's endpoint from the kubelet, which probes the pod's IP: an image
 * whose NUWA_HEALTH_ADDRESS is on loopback keeps its port, and the pod sets the address to 0.0.0.0 on it; an image
 * address on every interface is used as it is. (The image's facts are given here as kube-app.ts reads them; kube.test.ts
 * covers reading them from a real image.)
 */
import test from 'ava';
import type { AppFacts } from '../../host-cli/src/kube-app';
import { manifests, type KubeOptions } from '../../host-cli/src/kube-manifests';

const OPTIONS: KubeOptions = { replicas: 1, healthPort: 9000, storage: '1Gi', writable: [] };

function app(imageEnv: Record<string, string>): AppFacts {
  return {
    name: 'probe-app',
    image: 'localhost/probe-app:latest',
    imageRef: 'localhost/probe-app:latest',
    port: 8000,
    env: [],
    secretKeys: new Set(),
    domain: undefined,
    volumes: [],
    imageEnv,
    user: '',
    longestKillMs: 0,
    longestFinishMs: 0,
    contFinishScripts: 0,
  };
}

function container(imageEnv: Record<string, string>) {
  const deployment = manifests(app(imageEnv), OPTIONS)
    .find((m) => m.kind === 'Deployment')
    ?.toJSON() as {
    spec: { template: { spec: { containers: Array<{ env?: unknown; readinessProbe: { httpGet: { port: number } } }> } } };
  };
  return deployment.spec.template.spec.containers[0];
}

test('an image address on loopback: the pod listens on 0.0.0.0 at that port, where the probes go', (t) => {
  for (const address of ['127.0.0.1:9100', 'localhost:9100', '[::1]:9100']) {
    const c = container({ NUWA_HEALTH_ADDRESS: address });
    t.deepEqual(c?.env, [{ name: 'NUWA_HEALTH_ADDRESS', value: '0.0.0.0:9100' }], address);
    t.is(c?.readinessProbe.httpGet.port, 9100, address);
  }
});

test('an image address on every interface is kept; none: --health-port, set in the pod', (t) => {
  const kept = container({ NUWA_HEALTH_ADDRESS: '0.0.0.0:9100' });
  t.is(kept?.env, undefined);
  t.is(kept?.readinessProbe.httpGet.port, 9100);
  const none = container({});
  t.deepEqual(none?.env, [{ name: 'NUWA_HEALTH_ADDRESS', value: '0.0.0.0:9000' }]);
  t.is(none?.readinessProbe.httpGet.port, 9000);
});
