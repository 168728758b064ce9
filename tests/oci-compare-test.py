#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit test of tests/oci-compare.py on small OCI layouts made here: it must
pass identical images (and ones that differ only in tar framing or the
builder's own label) and fail, naming the difference, on a changed binary,
a changed mode, a missing file, a changed entrypoint, a missing variant;
and refuse a layout without the platform.

    tests/oci-compare-test.py        (make oci-compare-test; in make check)
"""
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "oci-compare.py")
PLATFORM = {"os": "linux", "architecture": "arm", "variant": "v7"}
FILES = {"usr/local/bin/tailscale.combined": b"\x7fELF packed", "bin/busybox": b"\x7fELF bb"}
CONFIG = {"Env": ["PATH=/bin"], "Entrypoint": ["/usr/local/bin/entrypoint.sh"],
          "Labels": {"org.opencontainers.image.version": "v1.0.0"}}


def put(layout, data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "blobs", "sha256", d[7:]), "wb") as f:
        f.write(data)
    return {"digest": d, "size": len(data)}


def layer(files, root_entry=False, type_bits=False, modes=None):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        names = (["."] if root_entry else []) + ["bin", "usr", "usr/local", "usr/local/bin"]
        for n in names:
            ti = tarfile.TarInfo(n)
            ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755 | (0o40000 if type_bits else 0), 1
            t.addfile(ti)
        for n in sorted(files):
            ti = tarfile.TarInfo(n)
            ti.size, ti.mtime = len(files[n]), 1
            ti.mode = (modes or {}).get(n, 0o755) | (0o100000 if type_bits else 0)
            t.addfile(ti, io.BytesIO(files[n]))
    raw = buf.getvalue()
    return gzip.compress(raw, mtime=0), "sha256:" + hashlib.sha256(raw).hexdigest()


def image(layout, files=FILES, config=CONFIG, platform=PLATFORM, config_variant=True,
          wrap_index=False, **tar):
    blob, diff_id = layer(files, **tar)
    lay = put(layout, blob)
    cfg = {"os": platform["os"], "architecture": platform["architecture"], "config": config,
           "rootfs": {"type": "layers", "diff_ids": [diff_id]}}
    if config_variant and platform.get("variant"):
        cfg["variant"] = platform["variant"]
    c = put(layout, json.dumps(cfg).encode())
    m = put(layout, json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **c},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **lay}]}).encode())
    desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json", **m, "platform": platform}
    if wrap_index:
        i = put(layout, json.dumps({"schemaVersion": 2, "manifests": [desc]}).encode())
        desc = {"mediaType": "application/vnd.oci.image.index.v1+json", **i}
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [desc]}, f)


def run(gate_kw, dock_kw):
    with tempfile.TemporaryDirectory() as tmp:
        g, d = os.path.join(tmp, "g"), os.path.join(tmp, "d")
        image(g, **gate_kw)
        image(d, wrap_index=True, **dock_kw)
        p = subprocess.run([sys.executable, TOOL, g, d, "linux/arm/v7"], capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr


CASES = [
    # name, gate kwargs, Dockerfile kwargs, exit status, text the output must hold
    ("identical", {}, {}, 0, "layer: identical"),
    ("tar framing only", {"root_entry": True}, {"type_bits": True}, 0, "tar framing only"),
    ("builder label and variant from the index",
     {}, {"config": {**CONFIG, "Labels": {**CONFIG["Labels"], "io.buildah.version": "1.28.2"}},
          "config_variant": False}, 0, "variant v7 from the index"),
    ("another binary", {}, {"files": {**FILES, "usr/local/bin/tailscale.combined": b"\x7fELF other"}},
     1, "tailscale.combined: DIFFERS"),
    ("another mode", {}, {"modes": {"bin/busybox": 0o4755}}, 1, "DIFFERS at 'bin/busybox': mode"),
    ("a file missing", {}, {"files": {"usr/local/bin/tailscale.combined": FILES["usr/local/bin/tailscale.combined"]}},
     1, "'bin/busybox' only in the gate image"),
    ("another entrypoint", {}, {"config": {**CONFIG, "Entrypoint": ["/bin/sh"]}}, 1, "DIFFERS in Entrypoint"),
    ("another label", {}, {"config": {**CONFIG, "Labels": {"org.opencontainers.image.version": "v2"}}},
     1, "DIFFERS in Labels"),
    ("no such platform", {}, {"platform": {"os": "linux", "architecture": "arm64"}}, 2, "no manifest for linux/arm/v7"),
]


def main():
    failed = 0
    for i, (name, gk, dk, want_rc, want_text) in enumerate(CASES, 1):
        rc, out = run(gk, dk)
        ok = rc == want_rc and want_text in out
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            print(f"# exit {rc} (want {want_rc}), output lacks {want_text!r}:\n# " + out.replace("\n", "\n# "))
    print(f"1..{len(CASES)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
