/**
 * `nuwa-host kube DIR [--replicas N] [--namespace NS] [--image REF] [-o FILE] …`: Kubernetes manifests for the app
 * in DIR (kube-app.ts reads it, kube-manifests.ts makes the objects), validated against the Kubernetes schemas and
 * written as one multi-document YAML file, on stdout or into FILE. docs/kubernetes.md says how to apply them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document } from 'yaml';
import { readApp } from './kube-app';
import { manifests, stopBudget, validateAll, type KubeOptions } from './kube-manifests';

export interface KubeRequest extends KubeOptions {
  dir: string;
  /** Where the YAML goes; undefined: stdout. */
  output?: string;
}

/** The whole file: a header saying where it came from and how its grace period was computed, then one document each. */
export async function kube(request: KubeRequest): Promise<void> {
  const app = await readApp(request.dir);
  const objects = manifests(app, request);
  validateAll(objects);
  const header = [
    ` Kubernetes manifests for the nuwa app ${app.name} (${path.resolve(request.dir)}), written by nuwa-host kube.`,
    ` Image: ${request.image ?? app.imageRef}${request.image ? '' : ' (push it to a registry the cluster pulls from, then pass --image)'}.`,
    ` terminationGracePeriodSeconds ${stopBudget(app).seconds} = ${stopBudget(app).why}.`,
  ].join('\n');
  const text = objects
    .map((object, i) => {
      const doc = new Document(object.toJSON());
      if (i === 0) doc.commentBefore = header;
      return doc.toString({ lineWidth: 0 });
    })
    .join('---\n');
  if (request.output === undefined) {
    process.stdout.write(text);
    return;
  }
  const temp = `${request.output}.tmp-${process.pid}`;
  fs.writeFileSync(temp, text, { mode: 0o600 }); // it may hold the Secret's values
  fs.renameSync(temp, request.output);
  process.stderr.write(`nuwa-host kube: wrote ${objects.map((o) => `${o.kind} ${o.metadata?.name}`).join(', ')} to ${request.output}\n`);
}
