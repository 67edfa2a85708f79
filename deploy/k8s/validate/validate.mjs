// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Validates Kubernetes objects against the schemas of the pinned kubernetes-models,
// @kubernetes-models/prometheus-operator and @kubernetes-models/cert-manager packages (the
// CRDs' own OpenAPI schemas), without a cluster.
//   node validate.mjs objects.json   # [{"id": "...", "object": {...}}, ...]
// Prints one JSON line {"id", "errors": [...]} per object; exits 1 if any has errors.
//
// Kubernetes' OpenAPI schemas allow unknown properties (the API server drops them or, with
// strict field validation, refuses them), so schema validation alone passes a misspelled
// field such as `containerPrt`. The compiled validators read every property their schema
// declares, so reading the object through a Proxy shows which keys no schema knows.
import { readFileSync } from "node:fs";
import * as core from "kubernetes-models";
import * as prometheusOperator from "@kubernetes-models/prometheus-operator";
import * as certManager from "@kubernetes-models/cert-manager";

// "apps/v1/Deployment" -> model class, for every class both packages export.
function collectModels(namespace, into) {
  for (const value of Object.values(namespace)) {
    if (typeof value === "function" && value.apiVersion && value.kind) {
      into.set(`${value.apiVersion}/${value.kind}`, value);
    } else if (value && typeof value === "object") {
      collectModels(value, into);
    }
  }
  return into;
}
const models = [core, prometheusOperator, certManager].reduce(
  (into, namespace) => collectModels(namespace, into), new Map());

// Wraps `value` so that every property read is recorded in `read` (a Map from each
// object to the set of keys read from it).
function tracked(value, read) {
  if (value === null || typeof value !== "object") return value;
  const keys = new Set();
  read.set(value, keys);
  const children = new Map();
  return new Proxy(value, {
    get(target, key) {
      if (typeof key === "string") keys.add(key);
      const child = target[key];
      if (child === null || typeof child !== "object") return child;
      if (!children.has(key)) children.set(key, tracked(child, read));
      return children.get(key);
    },
  });
}

function unknownFields(value, read, path, out) {
  if (value === null || typeof value !== "object") return out;
  const keys = read.get(value);
  // An object the validator never entered was not reached (e.g. under a wrong type, which
  // is reported already) or is free-form in its schema: nothing to say about its keys.
  if (keys === undefined || keys.size === 0) return out;
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}/${key}`;
    if (!Array.isArray(value) && !keys.has(key)) {
      out.push(`data${childPath} is not a field of this object (misspelled?)`);
    } else {
      unknownFields(child, read, childPath, out);
    }
  }
  return out;
}

function validate(object) {
  if (!object || typeof object !== "object" || !object.apiVersion || !object.kind) {
    return ["not a Kubernetes object: apiVersion and kind are required"];
  }
  const Model = models.get(`${object.apiVersion}/${object.kind}`);
  if (Model === undefined) {
    return [`unknown apiVersion/kind ${object.apiVersion}/${object.kind}: no schema to check it against`];
  }
  const read = new Map();
  try {
    // validate() checks `this`, so it can run on the tracked view of the plain object.
    Model.prototype.validate.call(tracked(object, read));
  } catch (error) {
    return [String(error.message ?? error)];
  }
  // apiVersion and kind are matched above; the generated validators check only their values.
  read.get(object)?.add("apiVersion").add("kind");
  return unknownFields(object, read, "", []);
}

const entries = JSON.parse(readFileSync(process.argv[2], "utf8"));
let failed = false;
for (const { id, object } of entries) {
  const errors = validate(object);
  failed ||= errors.length > 0;
  console.log(JSON.stringify({ id, errors }));
}
process.exit(failed ? 1 : 0);
