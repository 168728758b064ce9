# SPDX-License-Identifier: BSD-3-Clause
"""The Dockerfile holds no decisions of its own, and sets the native image's config.

Run by .ci/check-dockerfile with the tools venv's Python (dockerfile-parse):
    python dockerfile-rules.py DOCKERFILE VERSION NATIVE_CONFIG_JSON WORKFLOW_YAML...
VERSION is the tailscale.com version image/go.mod pins; NATIVE_CONFIG_JSON is
the OCI image config of a native build (skopeo inspect --config). Prints one
line per broken rule and exits 1 if any.
"""
import json
import re
import sys

from dockerfile_parse import DockerfileParser

# Anything that decides what goes into the image belongs to the recipe.
FORBIDDEN = [
    (re.compile(r"\bv?\d+\.\d+(\.\d+)+\b"), "a literal version"),
    (re.compile(r"ts_omit_|ts_include_"), "a Tailscale feature tag"),
    (re.compile(r"\bgo\s+(build|install|run|get)\b"), "a go command"),
    (re.compile(r"(^|\s)-(ldflags|tags|trimpath|gcflags|asmflags|overlay|mod)\b"), "a go build flag"),
    (re.compile(r"\b(GOFLAGS|CGO_ENABLED|GOARM|GOAMD64|GOARCH|GOOS|GOEXPERIMENT|GOTOOLCHAIN)\b"), "a Go build setting"),
    (re.compile(r"\bupx\b"), "a packer call"),
]


def stages(structure):
    """Split the instructions into stages: [(from_value, [instructions])]."""
    out = []
    for ins in structure:
        if ins["instruction"] == "FROM":
            out.append((ins["value"], []))
        elif out:
            out[-1][1].append(ins)
    return out


def main():
    path, version, native_path, workflows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    problems = []

    def bad(msg):
        problems.append(f"{path}: {msg}")

    with open(path, "rb") as f:
        # OCI_VERSION's default is ${TAILSCALE_VERSION}, which dockerfile-parse
        # does not expand: given here, and its ARG line is checked below.
        dfp = DockerfileParser(fileobj=f, build_args={"OCI_VERSION": version}, env_replace=True)
        structure = dfp.structure
        envs, labels = dfp.envs, dfp.labels
    code = [i for i in structure if i["instruction"] != "COMMENT"]

    # 1. no decisions: versions, tags, flags live in the recipe only
    # ... but one: TAILSCALE_VERSION's default, before the first FROM, is the
    # pin itself (make dockerfile writes it, Renovate moves it with go.mod)
    first_from = next(i for i, ins in enumerate(code) if ins["instruction"] == "FROM")
    pin_args = [ins for ins in code if ins["instruction"] == "ARG"
                and re.match(r"TAILSCALE_VERSION\s*=", ins["value"])]
    want_pin = f"TAILSCALE_VERSION={version}"
    if [ins["value"] for ins in pin_args] != [want_pin] or code.index(pin_args[0]) > first_from:
        bad(f"want exactly one 'ARG {want_pin}' before the first FROM (make dockerfile writes it), "
            f"found {[ins['value'] for ins in pin_args]}")
    oci = [ins["value"] for ins in code if ins["instruction"] == "ARG" and ins["value"].startswith("OCI_VERSION")]
    if oci != ["OCI_VERSION=${TAILSCALE_VERSION}"]:
        bad(f"want 'ARG OCI_VERSION=${{TAILSCALE_VERSION}}' in the final stage, found {oci}")
    for ins in code:
        text = ins["value"]
        if ins in pin_args:
            continue
        if version in text:
            bad(f"line {ins['startline'] + 1}: the pinned version {version} written out")
        for rx, what in FORBIDDEN:
            m = rx.search(text)
            if m:
                bad(f"line {ins['startline'] + 1}: {what} ({m.group(0).strip()!r}): the recipe decides that")

    # 2. the shape: a builder on the build platform calling the recipe's step
    st = stages(structure)
    if len(st) < 2:
        bad("want a builder stage and a final stage")
        return report(problems)
    builder_from, builder = st[-2]
    final_from, final = st[-1]
    if not builder_from.startswith("--platform=$BUILDPLATFORM "):
        bad("the builder stage must run on $BUILDPLATFORM (cross-compiling, no emulation)")
    name = builder_from.split()[-1] if " AS " in builder_from.upper() else None
    runs = [i["value"] for i in builder if i["instruction"] == "RUN" and "image/build.sh" in i["value"]]
    if len(runs) != 1:
        bad(f"want exactly one RUN calling image/build.sh in the builder stage, found {len(runs)}")
    else:
        run = runs[0]
        for want in ("--platform", '"${TARGETOS}/${TARGETARCH}${TARGETVARIANT:+/${TARGETVARIANT}}"',
                     "--rootfs /rootfs", '--expect-version "${TAILSCALE_VERSION', "env -u TAILSCALE_VERSION"):
            if want not in run:
                bad(f"the image/build.sh step lacks {want}")
    if final_from != "scratch":
        bad(f"the final stage starts FROM {final_from!r}, not scratch")
    copies = [i["value"] for i in final if i["instruction"] == "COPY"]
    if copies != [f"--from={name} /rootfs/ /"]:
        bad(f"the final stage must copy only the builder's rootfs (COPY --from={name} /rootfs/ /), has {copies}")
    for i in final:
        if i["instruction"] in ("RUN", "ADD", "WORKDIR", "USER", "SHELL", "STOPSIGNAL", "HEALTHCHECK", "EXPOSE"):
            bad(f"line {i['startline'] + 1}: {i['instruction']} in the final stage: the config is image/image-config's alone")

    # 3. the builder is the Debian release CI runs on
    default_base = next((i["value"].split("=", 1)[1] for i in code
                         if i["instruction"] == "ARG" and i["value"].startswith("DEBIAN_IMAGE=")), "")
    # Renovate pins it by digest (renovate.json), as it does the workflows' images
    codename = re.fullmatch(r"debian:([a-z]+)(-slim)?(@sha256:[0-9a-f]{64})?", default_base)
    if not codename:
        bad(f"DEBIAN_IMAGE default {default_base!r} is not debian:<codename>[-slim][@sha256:<digest>]")
    else:
        for wf in workflows:
            with open(wf, encoding="utf-8") as f:
                for img in re.findall(r"^\s*image:\s*debian:(\S+)", f.read(), re.M):
                    if re.split(r"[-@]", img)[0] != codename.group(1):
                        problems.append(f"{wf}: runs on debian:{img}, the Dockerfile builds on {default_base}")

    # 4. the config equals the native build's (what image/image-config says)
    with open(native_path, encoding="utf-8") as f:
        native = json.load(f).get("config", {})
    ours = {"Env": [f"{k}={v}" for k, v in envs.items()]}
    for key, ins in (("Entrypoint", "ENTRYPOINT"), ("Cmd", "CMD"), ("Volumes", "VOLUME")):
        vals = [json.loads(i["value"]) for i in final if i["instruction"] == ins]
        if vals:
            ours[key] = {v: {} for v in vals[-1]} if key == "Volumes" else vals[-1]
    ours["Labels"] = dict(labels)
    if not any(e.startswith("PATH=") for e in ours["Env"]):
        bad("no ENV PATH: BuildKit gives a scratch image its own default PATH, so image/image-config must set one")
    for key in ("Env", "Entrypoint", "Cmd", "Volumes", "Labels"):
        if ours.get(key) != native.get(key):
            bad(f"config {key}: Dockerfile gives {json.dumps(ours.get(key))}, the native build {json.dumps(native.get(key))}")
    if native.get("WorkingDir", "") not in ("", "/"):
        bad(f"the native build sets WorkingDir {native['WorkingDir']!r}; a scratch stage has '/'")
    return report(problems)


def report(problems):
    for p in problems:
        print(f"check-dockerfile: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
