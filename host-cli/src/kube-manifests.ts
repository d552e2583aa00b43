/**
 * The Kubernetes objects for one nuwa app, as kubernetes-models instances (typed, validated against the Kubernetes
 * schemas by validateAll). Pure: AppFacts and options in, objects out.
 *
 * A Deployment, never a StatefulSet: the image's VOLUMEs hold one copy of the app's data (the example app's SQLite
 * file), which replicas must not each have a copy of (a StatefulSet's volumeClaimTemplates) nor share (ReadWriteOnce).
 * So an app with volumes runs one replica, replaced with the Recreate strategy (the old pod lets go of the volume
 * before the new one mounts it), and --replicas above 1 is refused for it; an app without volumes scales freely.
 * `podman kube play` (4.3) also runs Deployments and not StatefulSets, so the same file is tried on one host first.
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { AppFacts } from './kube-app';

export interface KubeOptions {
  replicas: number;
  namespace?: string;
  /** The image reference the cluster pulls (default: the app image's tag). */
  image?: string;
  /** Where PID 1 serves /readyz and /livez when the image does not set NUWA_HEALTH_ADDRESS. */
  healthPort: number;
  /** Each volume's claim (a Kubernetes quantity). */
  storage: string;
  ingressClass?: string;
  tlsSecret?: string;
  /** More writable folders (emptyDir) besides /run and /tmp, for a read-only root. */
  writable: string[];
}

export type Manifest = ConfigMap | Secret | PersistentVolumeClaim | Deployment | Service | Ingress;

/** Seconds of the preStop sleep: the pod leaves the Service's endpoints (asynchronously) before nuwa stops anything. */
export const PRESTOP_SECONDS = 5;
const MARGIN_MS = 2000;

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The one line naming the rule a name breaks, or nothing. */
export function checkNames(app: AppFacts, options: KubeOptions): void {
  const rule = (what: string, value: string, re: RegExp, max: number, words: string) => {
    if (value.length > max || !re.test(value)) {
      throw new Error(`${what} '${value}' is not a name Kubernetes accepts: ${words}, at most ${max} characters`);
    }
  };
  const label = "lowercase letters, digits and '-'";
  rule(
    'the app name (NUWA_NAME, else the folder name)',
    app.name,
    DNS1035,
    63,
    `an RFC 1035 label (${label}, starting with a letter, ending with a letter or digit)`,
  );
  if (options.namespace !== undefined)
    rule('--namespace', options.namespace, DNS1123_LABEL, 63, `an RFC 1123 label (${label}, starting and ending with a letter or digit)`);
  if (app.domain !== undefined)
    rule('NUWA_DOMAIN', app.domain, DNS1123_SUBDOMAIN, 253, `a lowercase DNS name (RFC 1123 labels joined by '.')`);
  if (options.tlsSecret !== undefined)
    rule('--tls-secret', options.tlsSecret, DNS1123_SUBDOMAIN, 253, `an RFC 1123 subdomain (${label} and '.')`);
}

/** terminationGracePeriodSeconds: the longest stop nuwa can take, and what it is made of (for the file's header). */
export function stopBudget(app: AppFacts): { seconds: number; why: string } {
  const setting = (key: string, fallback: number): number => {
    const text = app.env.find(([k]) => k === key)?.[1] ?? app.imageEnv[key];
    const value = Number(text);
    return text !== undefined && /^\d+$/.test(text) ? value : fallback;
  };
  const parts: Array<[string, number]> = [
    ['preStop sleep', PRESTOP_SECONDS * 1000],
    ['S6_SERVICES_GRACETIME', setting('S6_SERVICES_GRACETIME', 3000)],
    ['longest timeout-kill', app.longestKillMs],
    ['longest timeout-finish', app.longestFinishMs],
    [
      `${app.contFinishScripts} cont-finish.d script(s) x S6_KILL_FINISH_MAXTIME`,
      app.contFinishScripts * setting('S6_KILL_FINISH_MAXTIME', 5000),
    ],
    ['S6_KILL_GRACETIME', setting('S6_KILL_GRACETIME', 3000)],
    ['margin', MARGIN_MS],
  ];
  const total = parts.reduce((sum, [, ms]) => sum + ms, 0);
  const why = parts.filter(([, ms]) => ms > 0).map(([what, ms]) => `${what} ${ms} ms`);
  return { seconds: Math.ceil(total / 1000), why: why.join(' + ') };
}

/**
 * The port PID 1's endpoint listens on: the image's NUWA_HEALTH_ADDRESS, else --health-port (then set in the pod).
 * An image address on loopback is out of the kubelet's reach (it probes the pod's IP): its port is kept, and the pod
 * sets the address to 0.0.0.0 on it.
 */
export function healthPort(app: AppFacts, options: KubeOptions): { port: number; setInPod: boolean } {
  const fromImage = /^(.*):(\d+)$/.exec(app.imageEnv.NUWA_HEALTH_ADDRESS ?? '');
  const port = fromImage ? Number(fromImage[2]) : options.healthPort;
  if (port === app.port) throw new Error(`the health port ${port} is the app's own port (nuwa.port): choose another with --health-port`);
  const loopback = fromImage !== null && /^(127\.[\d.]+|localhost|\[::1\])$/.test(fromImage[1] as string);
  return { port, setInPod: !fromImage || loopback };
}

/** Root runs the tree: it may chown, switch accounts (s6-setuidgid, gunicorn --user) and signal them. */
function capabilities(app: AppFacts): { drop: string[]; add?: string[] } {
  const root = app.user === '' || /^(0|root)(:.*)?$/.test(app.user);
  if (!root) return { drop: ['ALL'] };
  const add = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'SETGID', 'SETUID', ...(app.port < 1024 ? ['NET_BIND_SERVICE'] : [])];
  return { drop: ['ALL'], add };
}

function slug(folder: string): string {
  return (
    folder
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'root'
  );
}

function volumes(
  app: AppFacts,
  options: KubeOptions,
): { mounts: NonNullable<IContainer['volumeMounts']>; volumes: IVolume[]; claims: string[] } {
  const scratch = [...new Set(['/tmp', ...options.writable])].map((mountPath) => ({
    name: `w-${slug(mountPath)}`.slice(0, 63),
    mountPath,
  }));
  const data = app.volumes.map((mountPath) => ({
    name: `v-${slug(mountPath)}`.slice(0, 63),
    mountPath,
    claim: `${app.name}-${slug(mountPath)}`,
  }));
  return {
    mounts: [{ name: 'run', mountPath: '/run' }, ...scratch, ...data.map(({ name, mountPath }) => ({ name, mountPath }))],
    volumes: [
      // nuwa's status files, its addon and the service tree's live copy: tmpfs, as /run is on a host
      { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      ...scratch.map(({ name }) => ({ name, emptyDir: {} })),
      ...data.map(({ name, claim }) => ({ name, persistentVolumeClaim: { claimName: claim } })),
    ],
    claims: data.map((d) => d.claim),
  };
}

function container(app: AppFacts, options: KubeOptions, mounts: NonNullable<IContainer['volumeMounts']>): IContainer {
  const health = healthPort(app, options);
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: health.port },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  });
  const envFrom = [
    ...(app.env.some(([k]) => !app.secretKeys.has(k)) ? [{ configMapRef: { name: `${app.name}-env` } }] : []),
    ...(app.secretKeys.size > 0 ? [{ secretRef: { name: `${app.name}-secrets` } }] : []),
  ];
  return {
    name: app.name,
    image: options.image ?? app.imageRef,
    ports: [
      { name: 'http', containerPort: app.port },
      { name: 'health', containerPort: health.port },
    ],
    ...(health.setInPod ? { env: [{ name: 'NUWA_HEALTH_ADDRESS', value: `0.0.0.0:${health.port}` }] } : {}),
    ...(envFrom.length > 0 ? { envFrom } : {}),
    startupProbe: probe('/readyz', 2, 90), // up to 3 minutes for the first boot, then the others take over
    readinessProbe: probe('/readyz', 5, 2),
    livenessProbe: probe('/livez', 10, 3),
    lifecycle: { preStop: { exec: { command: ['sleep', String(PRESTOP_SECONDS)] } } },
    securityContext: {
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: capabilities(app),
      ...(/^[1-9]\d*(:\d+)?$/.test(app.user) ? { runAsNonRoot: true } : {}),
    },
    volumeMounts: mounts,
  };
}

export function manifests(app: AppFacts, options: KubeOptions): Manifest[] {
  checkNames(app, options);
  if (app.volumes.length > 0 && options.replicas > 1) {
    throw new Error(
      `--replicas ${options.replicas}: the app keeps its data in volumes (${app.volumes.join(' ')}), which one replica owns; ` +
        'only an app without VOLUMEs runs several',
    );
  }
  const labels = { 'app.kubernetes.io/name': app.name, 'app.kubernetes.io/managed-by': 'nuwa-host' };
  const meta = (name: string) => ({ name, labels, ...(options.namespace ? { namespace: options.namespace } : {}) });
  const plain = app.env.filter(([k]) => !app.secretKeys.has(k));
  const secret = app.env.filter(([k]) => app.secretKeys.has(k));
  const { mounts, volumes: podVolumes, claims } = volumes(app, options);
  const out: Manifest[] = [];
  if (plain.length > 0) out.push(new ConfigMap({ metadata: meta(`${app.name}-env`), data: Object.fromEntries(plain) }));
  // data (base64) rather than stringData: what kubectl create secret writes, and what more tools read
  const encoded = secret.map(([k, v]) => [k, Buffer.from(v).toString('base64')]);
  if (secret.length > 0) out.push(new Secret({ metadata: meta(`${app.name}-secrets`), type: 'Opaque', data: Object.fromEntries(encoded) }));
  for (const claim of claims) {
    out.push(
      new PersistentVolumeClaim({
        metadata: meta(claim),
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: options.storage } } },
      }),
    );
  }
  out.push(
    new Deployment({
      metadata: meta(app.name),
      spec: {
        replicas: options.replicas,
        ...(claims.length > 0 ? { strategy: { type: 'Recreate' } } : {}),
        selector: { matchLabels: { 'app.kubernetes.io/name': app.name } },
        template: {
          metadata: { labels },
          spec: {
            shareProcessNamespace: false, // nuwa stays PID 1 of its container: it reaps, it gets the SIGTERM
            enableServiceLinks: false,
            terminationGracePeriodSeconds: stopBudget(app).seconds,
            containers: [container(app, options, mounts)],
            volumes: podVolumes,
          },
        },
      },
    }),
  );
  out.push(
    new Service({
      metadata: meta(app.name),
      spec: { selector: { 'app.kubernetes.io/name': app.name }, ports: [{ name: 'http', port: app.port, targetPort: 'http' }] },
    }),
  );
  if (app.domain) out.push(ingress(app, options, meta(app.name)));
  return out;
}

function ingress(app: AppFacts, options: KubeOptions, metadata: NonNullable<Ingress['metadata']>): Ingress {
  const backend = { service: { name: app.name, port: { name: 'http' } } };
  return new Ingress({
    metadata,
    spec: {
      ...(options.ingressClass ? { ingressClassName: options.ingressClass } : {}),
      rules: [{ host: app.domain, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }],
      ...(options.tlsSecret ? { tls: [{ hosts: [app.domain as string], secretName: options.tlsSecret }] } : {}),
    },
  });
}

/** Validates every object against the Kubernetes schemas; the first problem as one line naming the object. */
export function validateAll(objects: readonly Manifest[]): void {
  for (const object of objects) {
    try {
      object.validate();
    } catch (err) {
      throw new Error(`${object.kind} ${object.metadata?.name ?? '?'}: ${(err as Error).message}`, { cause: err });
    }
  }
}
