#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Compare one platform of two OCI image layouts: the gate's image (build.sh,
umoci) and the Dockerfile's (buildah or buildx).

    tests/oci-compare.py GATE_LAYOUT DOCKERFILE_LAYOUT OS/ARCH[/VARIANT]

Each layout is an extracted OCI archive; its index.json may name a platform
manifest or an image index (then the manifest for the platform is taken).
Compared, in this order, and the first difference of each printed:
  1. usr/local/bin/tailscale.combined: sha256 of the bytes;
  2. the rootfs tree: every entry's name, order, type, permission bits,
     owner, mtime, size, link target and content sha256 (the root entry "."
     and the file-type bits tar writers may add to the mode are framing,
     not tree, and are reported as such);
  3. the runtime config: os, architecture, Env, Entrypoint, Cmd, Volumes,
     WorkingDir, User, Labels (a builder's own identity label, such as
     io.buildah.version, is named, not compared); the variant is compared
     where the config carries one, else taken from the index's platform;
  4. the layer digests (diff_ids): equal, or the framing difference named.
Exit status: 0 when 1-3 hold, 1 when one differs, 2 on unusable input.
"""
import gzip
import hashlib
import json
import os
import sys
import tarfile

BINARY = "usr/local/bin/tailscale.combined"
BUILDER_LABELS = ("io.buildah.version",)
INDEX_TYPES = ("application/vnd.oci.image.index.v1+json",
               "application/vnd.docker.distribution.manifest.list.v2+json")


class Unusable(Exception):
    pass


def blob(layout, digest):
    algo, hexd = digest.split(":", 1)
    path = os.path.join(layout, "blobs", algo, hexd)
    if not os.path.isfile(path):
        raise Unusable(f"{layout}: blob {digest} missing")
    return path


def load(layout, digest):
    with open(blob(layout, digest), "rb") as f:
        return json.load(f)


def platform_of(p):
    s = f"{p.get('os')}/{p.get('architecture')}"
    return s + (f"/{p['variant']}" if p.get("variant") else "")


def find_manifest(layout, want):
    """Return (manifest, config, the platform the index gave or None)."""
    with open(os.path.join(layout, "index.json")) as f:
        top = json.load(f)
    todo = [(d, None) for d in top.get("manifests", [])]
    while todo:
        d, plat = todo.pop(0)
        if "platform" in d:
            plat = platform_of(d["platform"])
        if d.get("mediaType") in INDEX_TYPES:
            todo += [(x, None) for x in load(layout, d["digest"]).get("manifests", [])]
            continue
        m = load(layout, d["digest"])
        cfg = load(layout, m["config"]["digest"])
        if (plat or platform_of(cfg)) == want:
            return m, cfg, plat
    raise Unusable(f"{layout}: no manifest for {want}")


def entries(layout, manifest):
    """The single layer's entries as comparable tuples, plus framing notes."""
    layers = manifest.get("layers", [])
    if len(layers) != 1:
        raise Unusable(f"{layout}: {len(layers)} layers, want 1 (FROM scratch, one COPY)")
    path = blob(layout, layers[0]["digest"])
    h = hashlib.sha256()
    with gzip.open(path) if open(path, "rb").read(2) == b"\x1f\x8b" else open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    diff_id = "sha256:" + h.hexdigest()
    tree, framing, binary = [], set(), None
    with tarfile.open(path) as t:
        for m in t:
            name = m.name[2:] if m.name.startswith("./") else m.name
            name = name.rstrip("/") or "."
            if name == ".":
                framing.add("a root entry '.'")
                continue
            if m.mode & ~0o7777:
                framing.add("file-type bits in the mode field")
            content = ""
            if m.isfile():
                data = t.extractfile(m).read()
                content = hashlib.sha256(data).hexdigest()
                if name == BINARY:
                    binary = content
            tree.append((name, m.type.decode(), oct(m.mode & 0o7777), f"{m.uid}:{m.gid}",
                         int(m.mtime), m.size, m.linkname, content))
    return diff_id, tree, framing, binary


def runtime(cfg, index_plat):
    c = cfg.get("config") or {}
    labels = dict(c.get("Labels") or {})
    own = sorted(k for k in BUILDER_LABELS if k in labels)
    for k in own:
        del labels[k]
    variant = cfg.get("variant") or None
    note = []
    if variant is None and index_plat and index_plat.count("/") == 2:
        variant = index_plat.rsplit("/", 1)[1]
        note.append(f"variant {variant} from the index (the config has none)")
    if own:
        note.append("builder label " + ", ".join(own) + " not compared")
    view = {"os": cfg.get("os"), "architecture": cfg.get("architecture"), "variant": variant}
    for k in ("Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "User"):
        view[k] = c.get(k) or None
    view["Labels"] = labels
    return view, note


def main():
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    gate, dock, plat = sys.argv[1:]
    arch = plat
    try:
        gm, gcfg, gplat = find_manifest(gate, plat)
        dm, dcfg, dplat = find_manifest(dock, plat)
        gdiff, gtree, gframe, gbin = entries(gate, gm)
        ddiff, dtree, dframe, dbin = entries(dock, dm)
    except (Unusable, OSError, ValueError, KeyError, tarfile.TarError) as e:
        print(f"{arch}: error: {e}", file=sys.stderr)
        return 2
    bad = 0
    if gbin is None or dbin is None:
        print(f"{arch}: {BINARY}: missing (gate {'has' if gbin else 'lacks'} it, "
              f"Dockerfile {'has' if dbin else 'lacks'} it)")
        bad = 1
    elif gbin != dbin:
        print(f"{arch}: {BINARY}: DIFFERS: gate sha256:{gbin}, Dockerfile sha256:{dbin}")
        bad = 1
    else:
        print(f"{arch}: {BINARY}: identical, sha256:{gbin}")

    if gtree == dtree:
        print(f"{arch}: rootfs tree: identical, {len(gtree)} entries (names, order, types, "
              "modes, owners, mtimes, sizes, link targets, contents)")
    else:
        bad = 1
        fields = ("name", "type", "mode", "owner", "mtime", "size", "link", "sha256")
        gi = {e[0]: e for e in gtree}
        di = {e[0]: e for e in dtree}
        first = next((n for n in [e[0] for e in gtree] + [e[0] for e in dtree]
                      if gi.get(n) != di.get(n)), None)
        if first is None:
            print(f"{arch}: rootfs tree: DIFFERS in entry order "
                  f"(first at position {next(i for i, (a, b) in enumerate(zip(gtree, dtree)) if a != b)})")
        elif first not in di or first not in gi:
            print(f"{arch}: rootfs tree: DIFFERS: '{first}' only in the "
                  f"{'gate image' if first in gi else 'Dockerfile image'}")
        else:
            what = [f"{f} {a!r} vs {b!r}" for f, a, b in zip(fields, gi[first], di[first]) if a != b]
            print(f"{arch}: rootfs tree: DIFFERS at '{first}': " + "; ".join(what) +
                  " (gate vs Dockerfile)")

    gview, gnote = runtime(gcfg, gplat)
    dview, dnote = runtime(dcfg, dplat)
    notes = sorted(set(gnote + dnote))
    if gview == dview:
        print(f"{arch}: runtime config: identical" + (f" ({'; '.join(notes)})" if notes else ""))
    else:
        bad = 1
        k = next(k for k in gview if gview[k] != dview.get(k))
        print(f"{arch}: runtime config: DIFFERS in {k}: gate {json.dumps(gview[k])}, "
              f"Dockerfile {json.dumps(dview.get(k))}")

    if gdiff == ddiff:
        print(f"{arch}: layer: identical, diff_id {gdiff}")
    else:
        framing = gframe ^ dframe
        why = ("tar framing only: " + "; ".join(
            f"{'gate' if f in gframe else 'Dockerfile'} writes {f}" for f in sorted(framing))
               ) if gtree == dtree and framing else "the trees differ"
        print(f"{arch}: layer: diff_ids differ (gate {gdiff}, Dockerfile {ddiff}): {why}")
    return bad


if __name__ == "__main__":
    sys.exit(main())
