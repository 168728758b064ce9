# SPDX-License-Identifier: BSD-3-Clause
"""What tscanary's Woodpecker pipelines must do, beyond Woodpeckers schema.

Run by .ci/check-woodpecker with the tools venv's Python (ruamel.yaml):
    python woodpecker-rules.py TOP_DIR FILE...
Prints one line per broken rule and exits 1 if any.
"""
import os
import re
import subprocess
import sys

from ruamel.yaml import YAML


def arches(top):
    """The arch names, as vm/arch.sh gives them to every script."""
    env = dict(os.environ, arch_env="vm/arches.env")
    names = subprocess.run(["sh", "-c", ". vm/arch.sh && arch_names"], cwd=top, env=env,
                           capture_output=True, text=True, check=True).stdout
    return names.split()


def steps_of(doc):
    steps = doc.get("steps") or []
    if isinstance(steps, dict):
        return [dict(s, name=n) for n, s in steps.items()]
    return list(steps)


def commands_of(step):
    cmds = step.get("commands") or []
    return [cmds] if isinstance(cmds, str) else [str(c) for c in cmds]


def events_of(doc):
    when = doc.get("when") or []
    when = [when] if isinstance(when, dict) else when
    out = set()
    for cond in when:
        ev = cond.get("event", [])
        out.update([ev] if isinstance(ev, str) else ev)
    return out


def keeps_out_on_failure(step):
    settings = step.get("settings") or {}
    when = step.get("when") or []
    when = [when] if isinstance(when, dict) else when
    statuses = set()
    for cond in when:
        st = cond.get("status", [])
        statuses.update([st] if isinstance(st, str) else st)
    return str(settings.get("source", "")).startswith("out/") and {"success", "failure"} <= statuses


def check(top, path, problems):
    name = os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        doc = YAML(typ="safe").load(f)

    def bad(msg):
        problems.append(f"{path}: {msg}")

    if name.startswith("release."):
        # a release runs on a tag only: the gate on every arch, then publish
        if events_of(doc) != {"tag"}:
            bad(f"runs on {sorted(events_of(doc))}, a release on tag events only")
        cmds = [c for s in steps_of(doc) for c in commands_of(s)]
        gate = [i for i, c in enumerate(cmds) if c.startswith("make test ARCH=all")]
        release = [i for i, c in enumerate(cmds) if c.startswith("make release ")]
        if not gate:
            bad("no step runs 'make test ARCH=all'")
        if not release:
            bad("no step runs 'make release'")
        if gate and release and min(release) < max(gate):
            bad("make release runs before the gate")
    elif "pull_request" not in events_of(doc):
        bad("does not run on pull_request events")
    steps = steps_of(doc)
    if not any(keeps_out_on_failure(s) for s in steps):
        bad("no step keeps out/ on success and failure (when: status: [success, failure])")
    for s in steps:
        cmds = commands_of(s)
        if any(c.startswith("make ") for c in cmds) and not s.get("privileged"):
            bad(f"step {s.get('name')!r} runs the lab but is not privileged")
        if cmds and cmds[0] != ".ci/install-deps":
            bad(f"step {s.get('name')!r} does not start with .ci/install-deps")
        for c in cmds:
            word = c.split()[0]
            if word.startswith(".ci/") and not os.access(os.path.join(top, word), os.X_OK):
                bad(f"step {s.get('name')!r} runs {word}, which is not an executable in the tree")
    if name.startswith("gate."):
        got = (doc.get("matrix") or {}).get("ARCH", [])
        if sorted(got) != sorted(arches(top)):
            bad(f"matrix ARCH is {got}, vm/arches has {arches(top)}")
        cmds = [c for s in steps for c in commands_of(s)]
        # the second suite is the mixed-version one: NEW's router, BASE's peers
        for want in ("make test ARCH=${ARCH}", "make report-check", ".ci/pr-compare --peers base ${ARCH}"):
            if not any(c.startswith(want) for c in cmds):
                bad(f"no step runs '{want}'")


def make_words(top, word):
    """A word of the Makefile as make expands it: $(VAR) becomes its
    value's words, anything else stays itself."""
    if not (word.startswith("$(") and word.endswith(")")):
        return [word]
    out = subprocess.run(
        ["make", "-s", "--no-print-directory", "-C", top, "--eval",
         f"check-rules-expand: ; @echo {word}", "check-rules-expand"],
        capture_output=True, text=True, check=True, env={**os.environ, "MAKEFLAGS": ""})
    return out.stdout.split()


def check_targets(top, rule="check"):
    """The make targets `make check` runs: its prerequisites and the
    targets of its `$(MAKE) ...` recipe lines (a variable's words as make
    expands them; assignments and options dropped), with a check-* target
    replaced by what its own recipe runs."""
    targets, in_check = [], False
    with open(os.path.join(top, "Makefile"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(rule + ":"):
                in_check = True
                targets += line.split(":", 1)[1].split()
                continue
            if in_check:
                if not line.startswith("\t"):
                    break
                words = line.split()
                if words and words[0] == "$(MAKE)":
                    for w in words[1:]:
                        if not w.startswith("-") and "=" not in w:
                            targets += make_words(top, w)
    out = []
    for t in targets:
        if t.startswith("$(BUILD)"):
            continue
        out += check_targets(top, t) if t.startswith("check-") else [t]
    return out


def made_targets(files):
    """Every target any pipeline step passes to make."""
    out = set()
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = YAML(typ="safe").load(f)
        for s in steps_of(doc):
            for c in commands_of(s):
                words = c.split()
                if words and words[0] == "make":
                    out.update(w for w in words[1:] if not w.startswith("-") and "=" not in w)
                # `make prereqs` is `.ci/install-deps --ensure`: a step that
                # runs .ci/install-deps itself has done it
                if words and words[0] == ".ci/install-deps":
                    out.add("prereqs")
    return out


def make_rules(top):
    """Every rule line `name: words` of the Makefile and its fragments:
    name -> the words after the colon (variables left unexpanded)."""
    rules = {}
    paths = [os.path.join(top, "Makefile")]
    for d, _, names in os.walk(top):
        if "/." in d[len(top):] and not d[len(top):].startswith("/.ci"):
            continue
        paths += [os.path.join(d, n) for n in names if n.endswith(".mk")]
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^([A-Za-z0-9_.%-]+)\s*:(?![:=])(.*)$", line)
                if m:
                    rules.setdefault(m.group(1), []).extend(m.group(2).split())
    return rules


def orphan_checks(top, roots):
    """The *-check targets neither make check nor a pipeline reaches (a
    test nobody runs): roots and every prerequisite under them, followed."""
    rules = make_rules(top)
    seen, todo = set(), list(roots)
    while todo:
        t = todo.pop()
        if t in seen:
            continue
        seen.add(t)
        todo += rules.get(t, [])
    return sorted(t for t in rules if t.endswith("-check") and t not in seen)


def main():
    top, files = sys.argv[1], sys.argv[2:]
    problems = []
    for path in files:
        check(top, path, problems)
    wanted = check_targets(top)
    if not wanted:
        problems.append("Makefile: no check target found")
    made = made_targets(files)
    for t in wanted:
        if t not in made:
            problems.append(f"make check runs '{t}', which no pipeline step runs")
    for t in orphan_checks(top, set(wanted) | made | {"check"}):
        problems.append(f"'{t}' is run by neither make check nor any pipeline step")
    if not any(os.path.basename(p).startswith("gate.") for p in files):
        problems.append("no gate workflow (.woodpecker/gate.yaml)")
    for p in problems:
        print(f"check-woodpecker: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
