/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One run of the gate: image -> initrd -> lab -> VM and control -> online ->
 * routes -> canaries -> sentinel -> teardown -> report (ARCHITECTURE.md,
 * "The flow of make test"). Every create pushes its inverse on the undo
 * stack, so each exit path tears down.
 */
#include "run.h"
#include "runner.h"

#include "accel.h"
#include "agent.h"
#include "bundle.h"
#include "calibrate.h"
#include "canary.h"
#include "clock.h"
#include "vrules.h"
#include "faults.h"
#include "files.h"
#include "headscale.h"
#include "image.h"
#include "kit.h"
#include "lab.h"
#include "log.h"
#include "peers.h"
#include "pki.h"
#include "proc.h"
#include "qemu.h"
#include "report.h"
#include "restart.h"
#include "runkey.h"
#include "scenario.h"
#include "sentinel.h"
#include "strbuf.h"
#include "router.h"
#include "undo.h"
#include "userns.h"
#include "variant.h"
#include "verdict.h"

#include <poll.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* What a step of the run came to (run_steps below). */
enum step_result {
	STEP_OK = 0,
	STEP_FAILED = -1, /* its row's failure text and exit code end the run */
	STEP_REUSED = 1,  /* a cached verdict stands for the run: exit as it did */
	STEP_VERDICT = 2, /* a precondition the image is judged by failed (the step
			     said why): exit RUN_FAIL */
};

static void step_begin(struct run *r, const char *name, const char *what)
{
	r->t_step = now_s();
	progress(name, "%s", what);
}

static void step_end(struct run *r, const char *name)
{
	char key[64];
	double d = now_s() - r->t_step;

	snprintf(key, sizeof(key), "%s_s", name);
	json_object_set_new(r->rep.timings, key, json_real(d));
	progress(name, "done in %.1f s", d);
}

static int make_workdir(struct run *r)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/tscanary-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp",
			       r->o->kit->arch);

	if (!mkdtemp(tmpl)) {
		error_errno("cannot create work dir '%s'", tmpl);
		free(tmpl);
		return -1;
	}
	r->workdir = tmpl;
	/* --keep holds the lab up until Ctrl-C; after that the work dir goes too */
	undo_push(undo_rm_rf, xstrdup(tmpl), "remove work dir");
	return 0;
}

static int prepare_outdir(struct run *r)
{
	r->logdir = xasprintf("%s/logs", r->o->out_dir);
	/* a previous run's logs must not be mistaken for this one's */
	if (rm_rf(r->logdir) < 0 || mkdir_p(r->logdir) < 0)
		return -1;
	return 0;
}

char *run_logpath(const struct run *r, const char *name)
{
	return xasprintf("%s/%s", r->logdir, name);
}

/* Run a busybox shell script in the guest; requires exit 0. */
int guest_sh(struct run *r, const char *script, int timeout_ms, struct strbuf *out)
{
	const char *argv[] = { GUEST_BUSYBOX, "sh", "-c", script, NULL };
	struct agent_cmd cmd = { .argv = argv, .timeout_ms = timeout_ms };
	struct agent_result res = AGENT_RESULT_INIT;
	int ret = 0;

	if (agent_exec(r->s.router, &cmd, &res) < 0)
		return -1;
	if (res.status != 0 || res.timed_out) {
		strbuf_rtrim(&res.err);
		ret = error("guest command failed (%s%s): %s: %s",
			    res.timed_out ? "timed out, " : "",
			    res.timed_out ? "" : "non-zero status", script, strbuf_str(&res.err));
	} else if (out) {
		strbuf_add(out, res.out.buf ? res.out.buf : "", res.out.len);
	}
	agent_result_release(&res);
	return ret;
}

/* Concatenate the image rootfs archive and the overlay: the kernel takes both. */
static int build_initrd(struct run *r, char **initrd)
{
	char *rootfs_cpio = xasprintf("%s/rootfs.cpio.gz", r->workdir);
	char *script = xasprintf("%s/initramfs.sh", r->o->kit->vm_dir);
	const char *pack[] = { script, "--rootfs", r->img.rootfs, "--out", rootfs_cpio, NULL };
	const char *parts[] = { rootfs_cpio, r->o->kit->overlay };
	int ret;

	*initrd = xasprintf("%s/initrd.cpio.gz", r->workdir);
	ret = run_argv(scaled(&r->s, 120000), pack);
	if (!ret)
		ret = concat_files(parts, ARRAY_SIZE(parts), *initrd);
	free(script);
	free(rootfs_cpio);
	return ret;
}

static int make_flash(struct run *r, char **flash)
{
	char *script = xasprintf("%s/flash.sh", r->o->kit->vm_dir);
	int ret;

	*flash = xasprintf("%s/flash.img", r->workdir);
	const char *argv[] = { script, *flash, NULL };

	ret = run_argv(60000, argv);
	free(script);
	return ret;
}

static void random_suffix(char *buf, size_t len)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd)) {
		for (size_t i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)(getpid() * 31 + (int)i * 7 + (int)time(NULL));
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i + 1 < len && i < sizeof(rnd); i++) {
		buf[i] = chars[rnd[i] % (sizeof(chars) - 1)];
		buf[i + 1] = '\0';
	}
}

/* Copy "key=value" lines of a file into obj (only the keys listed). */
static void read_kv_file(const char *path, const char *const *keys, const char *prefix, json_t *obj)
{
	struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, path) < 0) {
		debug("no version file '%s'", path);
		return;
	}
	for (char *line = sb.buf; line && *line;) {
		char *nl = strchr(line, '\n'), *eq = strchr(line, '=');

		if (nl)
			*nl = '\0';
		if (eq) {
			*eq = '\0';
			for (const char *const *k = keys; *k; k++) {
				if (!strcmp(line, *k)) {
					char *key = xasprintf("%s%s", prefix, line);

					json_object_set_new(obj, key, json_string(eq + 1));
					free(key);
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	strbuf_release(&sb);
}

/*
 * The kit: every input still the one it names (a changed one stops the
 * run, an unreadable one leaves it without a key), and the releases its
 * headscale and peers' tailscale named when it was written.
 */
static int step_kit(struct run *r)
{
	struct strbuf err = STRBUF_INIT;
	int v;

	r->kit_ids = json_object();
	v = kit_verify(r->o->kit, r->kit_ids, &err);
	if (v < 0)
		error("%s", strbuf_str(&err));
	else if (v > 0)
		warning("this run has no key (no verdict reuse): %s", strbuf_str(&err));
	r->kit_unkeyed = v > 0;
	strbuf_release(&err);
	if (v < 0)
		return -1;
	snprintf(r->hs_version, sizeof(r->hs_version), "%s", r->o->kit->hs_version);
	snprintf(r->peers_version, sizeof(r->peers_version), "%s", r->o->kit->peers_version);
	info("headscale %s, peers' tailscale %s", r->hs_version, r->peers_version);
	return 0;
}

/* What went into this run: kernel, busybox copies, peers, build tags, sizes. */
static void record_versions(struct run *r)
{
	static const char *const kernel_keys[] = { "package", "version", "release", NULL };
	static const char *const overlay_keys[] = { "busybox_version", NULL };
	char *path = xasprintf("%s/version", r->o->kit->kernel_dir);
	const char *hs = r->hs_version, *peers = r->peers_version;
	json_t *m;

	read_kv_file(path, kernel_keys, "kernel_", r->rep.versions);
	free(path);
	if (r->o->kit->kernel_profile)
		json_object_set_new(r->rep.versions, "kernel_profile",
				    json_string(r->o->kit->kernel_profile));
	path = xasprintf("%s.versions", r->o->kit->overlay);
	read_kv_file(path, overlay_keys, "harness_", r->rep.versions);
	free(path);
	if (*hs)
		json_object_set_new(r->rep.versions, "headscale", json_string(hs));
	/* the client, exit node and phone: the pin, or make test PEERS=vX.Y.Z */
	if (*peers)
		json_object_set_new(r->rep.versions, "peers_tailscale", json_string(peers));
	if (r->have_img && r->img.shipped_bytes)
		json_object_set_new(r->rep.metrics, "image_archive_bytes",
				    json_integer((json_int_t)r->img.shipped_bytes));
	m = r->manifest;
	if (m) {
		json_t *bb = json_object_get(m, "busybox");

		json_object_set(r->rep.versions, "image_busybox", json_object_get(bb, "version"));
		json_object_set(r->rep.versions, "image_busybox_source",
				json_object_get(bb, "source"));
		json_object_set(r->rep.versions, "build_tags", json_object_get(m, "tags"));
		json_object_set(r->rep.versions, "go", json_object_get(m, "go_version"));
		json_object_set(
			r->rep.metrics, "binary_unpacked_bytes",
			json_object_get(json_object_get(m, "sizes"), "binary_unpacked_bytes"));
	}
}

/* The image: unpack, check its platform, measure it. */
static int step_image(struct run *r)
{
	static const struct {
		const char *metric, *path;
	} sized[] = {
		{ "binary_bytes", "usr/local/bin/tailscale.combined" },
		{ "busybox_bytes", "bin/busybox" },
	};
	char *bin;
	struct stat st;

	step_begin(r, "image", r->o->image);
	if (image_open(&r->img, r->o->image, &r->s.arch, &r->arches, r->workdir) < 0) {
		report_set_error(&r->rep, "image '%s' cannot be used for ARCH=%s", r->o->image,
				 r->o->kit->arch);
		return -1;
	}
	r->have_img = 1;
	r->s.image = &r->img;
	r->manifest = image_build_manifest(&r->img, r->s.arch.name, &r->manifest_path);
	r->s.build_manifest = r->manifest;
	r->s.build_manifest_path = r->manifest_path;
	if (!r->manifest)
		progress("image", "no manifest.json of image/build.sh for this image: an image "
				  "tscanary did not build, judged on its own build info");
	{
		/* the verdict is for these bytes: the platform manifest, and its index */
		char plat[64];
		json_t *id = json_pack(
			"{s:s, s:s, s:s, s:s?, s:s, s:s?}", "source", r->img.source, "platform",
			image_platform_str(&r->img.platform, plat, sizeof(plat)), "manifest_digest",
			r->img.manifest_digest, "index_digest",
			*r->img.index_digest ? r->img.index_digest : NULL, "config_digest",
			r->img.config_digest, "build_manifest", r->manifest_path);

		report_extra(&r->rep, "image", id);
		json_decref(id);
	}
	json_object_set_new(r->rep.metrics, "rootfs_bytes",
			    json_integer((json_int_t)r->img.rootfs_bytes));
	/* the two binaries that are most of the flash, for footprint's budgets */
	for (size_t i = 0; i < ARRAY_SIZE(sized); i++) {
		bin = xasprintf("%s/%s", r->img.rootfs, sized[i].path);
		if (lstat(bin, &st) == 0 && S_ISREG(st.st_mode))
			json_object_set_new(r->rep.metrics, sized[i].metric,
					    json_integer((json_int_t)st.st_size));
		else
			warning("image has no regular /%s", sized[i].path);
		free(bin);
	}
	if (*r->img.config.version) {
		free(r->rep.tailscale_version);
		r->rep.tailscale_version = xstrdup(r->img.config.version);
	}
	record_versions(r);
	json_object_set_new(r->pre, "image", json_true());
	step_end(r, "image");
	return 0;
}

/* The QEMU binary ARCH runs, found on PATH (caller frees), or NULL. */
static char *qemu_path(const struct run *r)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *found = NULL;

	copy = xstrdup(path && *path ? path : "/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", *dir ? dir : ".", r->s.arch.qemu);

		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

/*
 * The run's key: the image's manifest, the judge (harness tree, canary
 * selection, variant, timeout scale), every input of the kit (as the kit
 * step found them) and QEMU. The
 * inputs go into the summary beside the key, so two keys can be compared.
 * A run without a key runs all the same: 0.
 *
 * The image is its manifest digest: its bytes. What built it (image/go.mod,
 * go.sum, build.sh) is not an input of the run, so of the recipe only the
 * files the canaries read count, and of the build manifest everything but
 * what records the recipe it came from (recipe_hash, cache_key) and how
 * another release's modules were resolved (tailscale_module).
 * So the same image gets the same key whichever tree built it: a bump pull
 * request builds its BASE release from its own recipe, and that run's key
 * matches the target branch's gate run of the same release.
 */
static const char *const manifest_provenance[] = { "recipe_hash", "cache_key", "tailscale_module",
						   NULL };

static int run_key(struct run *r)
{
	const struct run_opts *o = r->o;
	json_t *in = json_deep_copy(r->kit_ids);
	struct strbuf err = STRBUF_INIT, sel = STRBUF_INIT;
	char scale[32], *qemu = qemu_path(r);
	int bad = r->kit_unkeyed;

	runkey_set(in, "image", r->img.manifest_digest);
	runkey_set(in, "arch", o->kit->arch);
	runkey_set(in, "variant", o->variant ? o->variant : "default");
	for (size_t i = 0; i < o->ncanaries; i++)
		strbuf_addf(&sel, "%s%s", i ? "," : "", o->canaries[i]);
	runkey_set(in, "canaries", o->canaries ? strbuf_str(&sel) : "all");
	runkey_set(in, "tree", o->tree ? o->tree : "unknown");
	snprintf(scale, sizeof(scale), "%g", o->timeout_scale);
	runkey_set(in, "timeout_scale", scale);
	/* the kernel dir's digest tells kernels apart; the name says which */
	if (o->kit->kernel_profile)
		runkey_set(in, "kernel_profile", o->kit->kernel_profile);
	/* the peers' dir digest tells their binaries apart; this names the release */
	runkey_set(in, "peers_tailscale_version", *r->peers_version ? r->peers_version : "unknown");
	if (!r->manifest_path)
		runkey_set(in, "build_manifest", "none");
	else if (runkey_set_json(in, "build_manifest", r->manifest_path, manifest_provenance,
				 &err) < 0)
		bad = 1;
	if (!qemu || runkey_set_path(in, "qemu", qemu, &err) < 0) {
		runkey_set(in, "qemu", "unknown");
		bad = 1;
	}
	r->key = bad || !o->tree ? NULL : runkey_digest(in);
	if (bad && !r->kit_unkeyed)
		warning("this run has no key (no verdict reuse): %s",
			err.len ? strbuf_str(&err) : "QEMU not found on PATH");
	if (r->key)
		report_extra(&r->rep, "run_key", json_string(r->key));
	report_extra(&r->rep, "run_inputs", in);
	json_decref(in);
	free(qemu);
	strbuf_release(&err);
	strbuf_release(&sel);
	return 0;
}

/*
 * With --reuse STORE: the newest passing record of this run's key stands
 * for the run (with --reuse-failures, the newest that passed or failed). Its reports go into the
 * out dir, the summary saying so
 * ("cached_verdict"). STEP_REUSED when reused, 0 when the run must happen.
 */
static int reuse_verdict(struct run *r)
{
	json_t *recs, *rec, *summary, *cached;
	char *path;
	int reused = 0;

	if (!r->o->reuse_store)
		return 0;
	if (!r->key) {
		progress("reuse", "no cached verdict: this run has no key");
		return 0;
	}
	recs = verdict_store_get(r->o->reuse_store, r->img.manifest_digest);
	rec = verdict_find_reusable(recs, r->key, r->o->reuse_failures);
	if (!rec) {
		progress("reuse", "no cached verdict for key %.19s (%zu records of this image)",
			 r->key, json_array_size(recs));
		goto out;
	}
	if (verdict_restore_reports(json_string_value(json_object_get(rec, "path")),
				    r->o->out_dir) < 0) {
		warning("cached verdict %s has no usable reports: running",
			json_string_value(json_object_get(rec, "path")));
		goto out;
	}
	path = xasprintf("%s/summary.json", r->o->out_dir);
	summary = json_load_file(path, 0, NULL);
	r->reused_failed = !strcmp(json_string_value(json_object_get(rec, "result")), "fail");
	cached = json_pack(
		"{s:s,s:s,s:s,s:s}", "record", json_string_value(json_object_get(rec, "path")),
		"time", json_string_value(json_object_get(rec, "time")), "run_key", r->key, "note",
		r->reused_failed ? "not run again: a failed run with this key (same "
				   "image, inputs and judge; reuse of failures asked for)"
				 : "not run again: a passing run with this key (same "
				   "image, inputs and judge)");
	if (summary && json_object_set_new(summary, "cached_verdict", cached) == 0 &&
	    json_dump_file(summary, path, JSON_INDENT(2) | JSON_SORT_KEYS) == 0) {
		progress("result", "%s: cached verdict: %s, from the run at %s with key %.19s (%s)",
			 r->o->kit->arch, r->reused_failed ? "FAIL" : "PASS",
			 json_string_value(json_object_get(rec, "time")), r->key,
			 json_string_value(json_object_get(rec, "path")));
		reused = STEP_REUSED;
	} else {
		warning("cannot mark '%s' as a cached verdict: running", path);
	}
	json_decref(summary);
	free(path);
out:
	json_decref(recs);
	return reused;
}

static int step_lab(struct run *r)
{
	char *zone, *dnslog;
	struct proc *dns;

	step_begin(r, "lab", "namespaces, bridges, tap, NAT");
	if (lab_init(&r->lab, NULL) < 0 || lab_up_router(&r->lab, r->router_nat6) < 0)
		return -1;
	r->s.lab = &r->lab;
	start_captures(r);
	zone = xasprintf("%s/zones/canary.test.zone", r->o->kit->fixtures);
	dnslog = run_logpath(r, "dns-upstream.log");
	dns = lab_start_dnsd(r->o->kit->dnsd, r->lab.inet, LAB_DNS_UPSTREAM, zone, dnslog,
			     LAB_DNSD_RA);
	free(zone);
	r->s.upstream_dns_log = dnslog;
	if (!dns)
		return -1;
	step_end(r, "lab");
	return 0;
}

int step_qemu(struct run *r)
{
	struct qemu_config cfg = { 0 };
	char *kernel = xasprintf("%s/vmlinuz", r->o->kit->kernel_dir);
	char *sock = xasprintf("%s/agent.sock", r->workdir);
	char *console = r->boots ? xasprintf("%s/console.boot%u.log", r->logdir, r->boots + 1)
				 : run_logpath(r, "console.log");
	char *qlog = run_logpath(r, "qemu.log");

	free(r->console);
	r->console = xstrdup(console); /* the live one, for guest_may_come_up() */

	if (!r->accel_chosen) {
		r->accel_chosen = 1;
		r->accel = accel_choose(&r->probe, &r->s.arch, r->o->kit->cache_dir);
	}
	cfg.kernel = kernel;
	cfg.initrd = r->initrd;
	cfg.flash = r->flash;
	cfg.tap = r->lab.tap;
	cfg.mac = "52:54:00:12:34:56";
	cfg.agent_socket = sock;
	cfg.console_log = console;
	cfg.accel = r->accel;
	json_object_set_new(r->rep.versions, "accel",
			    json_string(r->accel == QEMU_ACCEL_KVM ? "kvm" : "tcg"));
	progress("boot", "starting the router VM (%s)%s",
		 r->accel == QEMU_ACCEL_KVM ? "kvm" : "tcg",
		 r->boots ? ", again with the same flash" : "");
	r->t_boot = now_s();
	r->qemu = qemu_start(&r->s.arch, &cfg, r->lab.routeros, qlog);
	free(kernel);
	free(console);
	free(qlog);
	free(sock);
	return r->qemu ? 0 : -1;
}

/*
 * While waiting for the guest agent: a QEMU that exited, or a kernel that
 * panicked on the console, will never answer; say so at once.
 */
int guest_may_come_up(void *arg, struct strbuf *why)
{
	struct run *r = arg;
	const char *console = r->console ? r->console : "";
	struct strbuf text = STRBUF_INIT, hits = STRBUF_INIT;
	int status, alive = 1;

	/* a panic first: with panic=-1 the guest reboots, so QEMU exits after it */
	if (strbuf_read_file(&text, console) == 0 &&
	    log_grep(text.buf, text.len, "Kernel panic", &hits) > 0) {
		strbuf_rtrim(&hits);
		strbuf_addf(why, "the router's kernel panicked (logs/%s): %s",
			    strrchr(console, '/') + 1, hits.buf);
		alive = 0;
	} else if (r->qemu && proc_running(r->qemu, &status) == 0) {
		char how[32], *qlog = run_logpath(r, "qemu.log");

		strbuf_addf(why, "QEMU exited (%s) with the guest not answering; its log:\n",
			    proc_describe_status(status, how, sizeof(how)));
		strbuf_add_log_tail(why, qlog, 5);
		free(qlog);
		alive = 0;
	}
	strbuf_release(&text);
	strbuf_release(&hits);
	return alive;
}

/*
 * The guest's init loads the kernel modules the lab needs (nftables, TUN,
 * ext4 for the flash, virtio) before it starts the agent: one that failed
 * leaves a guest that is not the container host the canaries assume, and
 * what breaks then would be blamed on the image. The console says.
 */
static int guest_modules_loaded(struct run *r)
{
	const char *console = r->console ? r->console : "";
	const char *name = strrchr(console, '/') ? strrchr(console, '/') + 1 : console;
	struct strbuf text = STRBUF_INIT;
	unsigned loaded = 0, failed = 0;
	int ret = 0;

	if (strbuf_read_file(&text, console) < 0 ||
	    qemu_console_modules(text.buf, text.len, &loaded, &failed) < 0)
		warning("the router's init said nothing of its kernel modules (logs/%s)", name);
	else if (failed)
		ret = error("the router's init failed to load %u of its %u kernel modules "
			    "(logs/%s says which): the guest is not the container host the "
			    "canaries need",
			    failed, loaded + failed, name);
	else
		debug("guest: %u kernel modules loaded", loaded);
	strbuf_release(&text);
	return ret;
}

/* File the KVM probe's answer; the summary says what this boot probed. */
static void remember_accel(struct run *r, const char *answer)
{
	if (accel_remember(&r->probe, answer))
		json_object_set_new(r->rep.versions, "accel_probe", json_string(answer));
}

/*
 * From the first boot on, every timeout follows that boot (calibrate.h);
 * the summary keeps the scale the run started with beside the one its
 * canaries had.
 */
static void rescale(struct run *r, double boot_s)
{
	double scale = r->o->timeout_scale * calibrate_factor(boot_s);

	json_object_set_new(r->rep.timings, "boot_timeout_scale", json_real(r->s.timeout_scale));
	r->s.timeout_scale = scale;
	json_object_set_new(r->rep.timings, "timeout_scale", json_real(scale));
	info("timeouts scaled by %.2f from here (this boot)", scale);
}

/* Wait for the guest agent: the VM has booted when it says hello. */
int step_boot_wait(struct run *r)
{
	char *sock = xasprintf("%s/agent.sock", r->workdir);
	double left = scaled(&r->s, 120000) / 1000.0 - (now_s() - r->t_boot);

	if (r->probe.probing) {
		/* a broken KVM makes QEMU die at once; a working one boots in seconds */
		if (proc_wait(r->qemu, 2000, NULL) == 1)
			r->s.router = agent_connect(sock, scaled(&r->s, 30000));
		if (!r->s.router) {
			warning("accel: KVM did not boot this guest; falling back to TCG");
			remember_accel(r, "tcg");
			proc_stop(r->qemu, 2000);
			r->accel = QEMU_ACCEL_TCG;
			unlink(sock);
			if (step_qemu(r) < 0) {
				free(sock);
				return -1;
			}
		} else {
			remember_accel(r, "kvm");
		}
	}
	if (!r->s.router)
		r->s.router = agent_connect_watch(sock, left > 1 ? (int)(left * 1000) : 1000,
						  guest_may_come_up, r);
	free(sock);
	if (!r->s.router)
		return error("router VM did not bring up its agent (see logs/console.log)");
	info("guest: %s", agent_hello(r->s.router)->uname);
	if (guest_modules_loaded(r) < 0)
		return -1;
	if (!r->boots++) {
		double boot_s = now_s() - r->t_boot;

		json_object_set_new(r->rep.timings, "boot_s", json_real(boot_s));
		calibrate_record(r->o->kit->cache_dir, r->s.arch.name, boot_s);
		rescale(r, boot_s);
		json_object_set_new(r->pre, "boot", json_true());
	}
	progress("boot", "agent ready after %.1f s", now_s() - r->t_boot);
	return 0;
}

/* The client laptop, exit node, LAN host and web servers around the router. */
static int step_peers_lab(struct run *r)
{
	struct peers_spec *ps = &r->ps;

	ps->ts_bindir = r->o->kit->ts_bindir;
	ps->httpd = r->o->kit->httpd;
	ps->natpmpd = r->o->kit->natpmpd;
	ps->dnsd = r->o->kit->dnsd;
	ps->fixtures = r->o->kit->fixtures;
	ps->workdir = r->workdir;
	ps->logdir = r->logdir;
	ps->timeout_ms = scaled(&r->s, 30000);
	r->have_peers = 1;
	r->s.peers = &r->peers;
	r->s.peers_spec = ps;
	return peers_up_lab(&r->peers, &r->lab, ps);
}

static int step_headscale(struct run *r)
{
	struct headscale_spec spec = { 0 };
	char *state = xasprintf("%s/headscale", r->workdir);
	char *tls = xasprintf("%s/pki", r->workdir);
	char *tmpl = xasprintf("%s/headscale/config.yaml.in", r->o->kit->fixtures);
	char *policy = xasprintf("%s/headscale/%s", r->o->kit->fixtures, r->policy);
	char *hlog = run_logpath(r, "headscale.log");
	uint64_t uid;
	int ret = -1;

	step_begin(r, "control", "per-run CA, headscale with embedded DERP");
	if (mkdir_p(state) < 0 || mkdir_p(tls) < 0 || pki_make(tls, LAB_INET_GW) < 0)
		goto out;
	spec.binary = r->o->kit->headscale;
	spec.netns = r->lab.inet;
	spec.state_dir = state;
	spec.tls_dir = tls;
	spec.template_path = tmpl;
	spec.policy_path = policy;
	spec.log_path = hlog;
	spec.timeout_ms = scaled(&r->s, 60000);
	if (headscale_start(&r->hs, &spec) < 0)
		goto out;
	r->s.hs = &r->hs;
	if (headscale_create_user(&r->hs, "routeros", &uid) < 0 ||
	    headscale_create_authkey(&r->hs, uid, 0, "1h", &r->authkey) < 0)
		goto out;
	step_end(r, "control");
	r->s.authkey = r->authkey;
	ret = 0;
out:
	free(state);
	free(tls);
	free(tmpl);
	free(policy);
	free(hlog);
	return ret;
}

/* The "container host" part: network, resolv.conf, hostname, CA, as RouterOS gives. */
int step_configure_guest(struct run *r)
{
	struct strbuf sb = STRBUF_INIT, ca = STRBUF_INIT;
	char *ca_path = xasprintf("%s/pki/ca.crt", r->workdir);
	int ret;

	char now[32];
	time_t t = time(NULL);
	struct tm tm;

	/* the run CA is minutes old: the guest clock must be right for TLS */
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%d %H:%M:%S", &tm);
	strbuf_addf(&sb,
		    "set -e; bb=%s; $bb date -u -s '%s' >/dev/null; $bb ip link set lo up; "
		    /* the lab has no duplicates: skip DAD, the address is usable at once */
		    "echo 0 >/proc/sys/net/ipv6/conf/eth0/accept_dad; "
		    "$bb ip link set eth0 up; $bb ip addr add %s/24 dev eth0; "
		    "$bb ip route add default via %s; "
		    "$bb ip -6 addr add %s/64 dev eth0; $bb ip -6 route add default via %s; "
		    "$bb hostname %s",
		    GUEST_BUSYBOX, now, LAB_ROUTER_VM, LAB_CTR_GW, LAB_ROUTER_VM6, LAB_CTR6_GW,
		    r->hostname);
	ret = guest_sh(r, sb.buf, 20000, NULL);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "nameserver %s\n", LAB_DNS_UPSTREAM);
	if (!ret)
		ret = agent_write_file(r->s.router, "/etc/resolv.conf", 0644, sb.buf, sb.len);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s\n", r->hostname);
	if (!ret)
		ret = agent_write_file(r->s.router, "/etc/hostname", 0644, sb.buf, sb.len);
	if (!ret && strbuf_read_file(&ca, ca_path) < 0)
		ret = error_errno("cannot read '%s'", ca_path);
	if (!ret)
		ret = agent_write_file(r->s.router, GUEST_CA, 0644, ca.buf, ca.len);
	strbuf_release(&sb);
	strbuf_release(&ca);
	free(ca_path);
	return ret;
}

/* Start the image's ENTRYPOINT + CMD with its ENV plus the container envs. */
int step_start_entrypoint(struct run *r, const char *const *extra_env)
{
	size_t n = 0, ne = 0;
	const char **env;
	struct agent_child child = { 0 };
	int ret;

	for (char **e = r->img.config.env; e && *e; e++)
		n++;
	for (const char *const *e = extra_env; e && *e; e++)
		n++;
	env = xcalloc(n + 3, sizeof(*env));
	for (char **e = r->img.config.env; e && *e; e++)
		env[ne++] = *e;
	/* RouterOS container envs: the run CA, and a tripwire against real control */
	env[ne++] = "SSL_CERT_FILE=" GUEST_CA;
	env[ne++] = "TS_PANIC_IF_HIT_MAIN_CONTROL=1";
	for (const char *const *e = extra_env; e && *e; e++)
		env[ne++] = *e;
	env[ne] = NULL;
	if (!r->img.config.argv || !r->img.config.argv[0]) {
		free(env);
		return error("image has no ENTRYPOINT or CMD");
	}
	child.argv = (const char *const *)r->img.config.argv;
	child.env = env;
	child.log_path = GUEST_TS_LOG;
	child.restart_ms = RESTART_MS;
	ret = agent_start(r->s.router, &child, &r->ts_pid);
	free(env);
	if (!ret) {
		info("entrypoint started as guest pid %d", (int)r->ts_pid);
		r->s.router_ts_pid = (int)r->ts_pid;
		r->s.router_ts_log = GUEST_TS_LOG;
	}
	return ret;
}

/*
 * `tailscale up` failed. The CLI can fail while the daemon joins fine (a
 * build without tailnetlock before v1.102 cannot decode a netmap's TKAHead
 * on the IPN bus): an error fixtures/cli-errors lists for this version is
 * kept as what a RouterOS user sees, and "online" is judged by the daemon.
 * Anything else (another message, a timeout, a listed one outside its
 * versions) is the image's failure: -1.
 */
static int judge_cli_error(struct run *r, struct agent_result *res)
{
	char how[32], *path;
	const char *version = r->rep.tailscale_version ? r->rep.tailscale_version : "";
	const struct vrule *rule = NULL;
	struct vrules rules = { 0 };
	json_t *j;
	int ret;

	strbuf_rtrim(&res->err);
	j = json_sprintf("%s: %s",
			 res->timed_out ? "timeout"
					: proc_describe_status(res->status, how, sizeof(how)),
			 strbuf_str(&res->err));
	report_extra(&r->rep, "join_cli_error", j);
	path = xasprintf("%s/cli-errors", r->o->kit->fixtures);
	if (!res->timed_out && vrules_load(&rules, path) == 0)
		rule = vrules_match(&rules, version, strbuf_str(&res->err));
	if (rule) {
		json_t *t = json_pack("{s:s,s:s,s:s}", "pattern", rule->key, "versions",
				      rule->versions, "why", rule->why);

		warning("tailscale up: %s (tolerated for tailscale %s by %s: %s)",
			json_string_value(j), rule->versions, path, rule->why);
		report_extra(&r->rep, "join_cli_tolerated", t);
		json_decref(t);
		ret = 0;
	} else {
		error("tailscale up: %s: not a tolerated CLI error for tailscale %s (%s)",
		      json_string_value(j), *version ? version : "(unknown version)", path);
		json_object_set_new(r->pre, "join", json_false());
		ret = -1;
	}
	vrules_release(&rules);
	free(path);
	json_decref(j);
	return ret;
}

/*
 * Online: the entrypoint, then `tailscale up` as a RouterOS user runs it,
 * until the router is online. A CLI error fixtures/cli-errors does not
 * tolerate fails the join precondition: STEP_VERDICT.
 */
static int step_join(struct run *r)
{
	char *key_arg = xasprintf("--authkey=%s", r->authkey);
	const char *argv[] = { TS_CLI,
			       "up",
			       "--login-server=" HEADSCALE_URL,
			       key_arg,
			       "--accept-routes",
			       "--snat-subnet-routes=false",
			       "--advertise-routes=" LAB_CTR_NET "," LAB_CTR6_NET,
			       "--advertise-exit-node",
			       NULL };
	struct agent_cmd cmd = { .argv = argv, .timeout_ms = scaled(&r->s, 90000) };
	struct agent_result res = AGENT_RESULT_INIT;
	double t0;
	struct hs_node node = { 0 };
	int ret = -1;

	step_begin(r, "online", "tailscale up, as a RouterOS user runs it");
	t0 = now_s();
	if (step_start_entrypoint(r, NULL) < 0 || wait_guest_socket(r, scaled(&r->s, 60000)) < 0)
		goto out;
	/* the parts of online_s: the daemon's socket, then the CLI's own wait */
	json_object_set_new(r->rep.timings, "online_daemon_s", json_real(now_s() - t0));
	if (agent_exec(r->s.router, &cmd, &res) < 0)
		goto out;
	json_object_set_new(r->rep.timings, "online_up_s", json_real(now_s() - t0));
	if ((res.status != 0 || res.timed_out) && judge_cli_error(r, &res) < 0)
		goto out;
	json_object_set_new(r->pre, "join", json_true());
	if (wait_online(r, scaled(&r->s, 90000), 0, &node, NULL, 0) < 0)
		goto out;
	snprintf(r->s.router_fqdn, sizeof(r->s.router_fqdn), "%s.%s", node.given_name,
		 HEADSCALE_BASE_DOMAIN);
	snprintf(r->s.router_ip4, sizeof(r->s.router_ip4), "%s", node.ipv4);
	snprintf(r->s.router_ip6, sizeof(r->s.router_ip6), "%s", node.ipv6);
	r->s.router_node_id = node.id;
	info("router online as %s (%s, node %llu)", r->s.router_fqdn, r->s.router_ip4,
	     (unsigned long long)node.id);
	json_object_set_new(r->rep.timings, "online_s", json_real(now_s() - t0));
	r->s.router_online_at = mono_s();
	json_object_set_new(r->pre, "online", json_true());
	step_end(r, "online");
	ret = 0;
out:
	hs_node_release(&node);
	agent_result_release(&res);
	free(key_arg);
	if (ret < 0 && json_is_false(json_object_get(r->pre, "join"))) {
		report_set_error(
			&r->rep, "precondition join failed: `tailscale up` %s",
			json_string_value(json_object_get(r->rep.extra, "join_cli_error")));
		ret = STEP_VERDICT; /* the image's CLI, not the lab */
	}
	return ret;
}

void power_off(struct run *r)
{
	if (!r->s.router)
		return;
	/* after a signal the undo stack kills QEMU; asking the guest only waits */
	if (!interrupted() && agent_poweroff(r->s.router) == 0 && r->qemu)
		proc_wait(r->qemu, 15000, NULL);
	agent_close(r->s.router);
	r->s.router = NULL;
}

/*
 * What a lab-side variant changes in the lab: its headscale policy. A
 * variant name with no file in fixtures/variants/ is a label only (make
 * coverage names its generated image variants so); the lab is the default.
 */
static int lab_side(struct run *r)
{
	char *dir = xasprintf("%s/variants", r->o->kit->fixtures);
	char *path = r->o->variant ? xasprintf("%s/%s", dir, r->o->variant) : NULL;
	struct variant v;
	int ret = 0;

	r->policy = xstrdup("policy.hujson");
	r->router_nat6 = 1;
	if (path && !access(path, F_OK) && !(ret = variant_load(&v, dir, r->o->variant))) {
		if (v.policy) {
			free(r->policy);
			r->policy = xstrdup(v.policy);
		}
		r->router_nat6 = v.router_nat6;
		variant_release(&v);
	}
	if (!ret) {
		json_t *pol = json_string(r->policy);

		report_extra(&r->rep, "lab_policy", pol);
		report_extra(&r->rep, "lab_router_nat6", json_boolean(r->router_nat6));
		json_decref(pol);
	}
	free(path);
	free(dir);
	return ret;
}

/* Every precondition a summary reports, in the order a run reaches them. */
static const char *const run_preconditions[] = {
	"image", "boot", "join", "online", "routes", NULL
};

/* The arch's line of vm/arches, and the whole table. */
static int step_arch(struct run *r)
{
	char *archtab = xasprintf("%s/arches", r->o->kit->vm_dir);
	int bad = arch_lookup(archtab, r->o->kit->arch, &r->s.arch) ||
		  arch_table_load(archtab, &r->arches);

	free(archtab);
	return bad ? STEP_FAILED : STEP_OK;
}

/* Every timeout's factor up to the boot: the user's times this arch's recent boots. */
static int step_calibrate(struct run *r)
{
	r->s.timeout_scale = calibrate_scale(r->o->kit->cache_dir, r->s.arch.name,
					     r->o->timeout_scale);
	json_object_set_new(r->rep.timings, "timeout_scale", json_real(r->s.timeout_scale));
	return STEP_OK;
}

/* Whether this machine can run the lab, as root or in a user namespace. */
static int step_preflight(struct run *r)
{
	/* before any thread or child: a user enters its own namespaces here */
	if (userns_enter() < 0 || lab_preflight() < 0)
		return STEP_FAILED;
	report_extra(&r->rep, "lab_user_namespace", json_boolean(userns_active()));
	return STEP_OK;
}

/* Before building anything: a VM needs its kernel. */
static int step_kernel(struct run *r)
{
	char *kernel = xasprintf("%s/vmlinuz", r->o->kit->kernel_dir);
	int missing = access(kernel, R_OK) != 0;

	if (missing) {
		error_errno("no kernel '%s' for ARCH=%s (make kernel ARCH=%s fetches it)", kernel,
			    r->o->kit->arch, r->o->kit->arch);
		report_set_error(&r->rep, "no kernel '%s'", kernel);
	}
	free(kernel);
	return missing ? STEP_FAILED : STEP_OK;
}

/* The machine's routes, rules, nftables and /etc, to compare after teardown. */
static int step_snapshot(struct run *r)
{
	if (lab_host_snapshot(&r->before) == 0)
		r->snap = 1;
	return STEP_OK;
}

static int step_initrd(struct run *r)
{
	step_begin(r, "initrd", "image rootfs + harness overlay, flash disk");
	if (build_initrd(r, &r->initrd) < 0 || make_flash(r, &r->flash) < 0)
		return STEP_FAILED;
	step_end(r, "initrd");
	return STEP_OK;
}

static int step_peers_join(struct run *r)
{
	r->ps.ca_path = r->ca_path = xasprintf("%s/pki/ca.crt", r->workdir);
	step_begin(r, "peers", "client laptop and exit node join");
	if (peers_join(&r->peers, &r->hs, &r->ps) < 0)
		return STEP_FAILED;
	step_end(r, "peers");
	return STEP_OK;
}

static int step_routes(struct run *r)
{
	step_begin(r, "routes", "approve the router's exit node and subnet route");
	if (peers_approve_router(&r->peers, &r->hs, r->s.router_node_id, r->s.router_ip4,
				 scaled(&r->s, 60000)) < 0)
		return STEP_FAILED;
	json_object_set_new(r->pre, "routes", json_true());
	step_end(r, "routes");
	return STEP_OK;
}

static int step_sentinel(struct run *r)
{
	check_sentinel(r);
	return STEP_OK;
}

/*
 * The run, step by step. A step that fails ends the run: the summary's
 * error is its failure text (NULL: the step said why itself) and the exit
 * code its code; STEP_VERDICT and STEP_REUSED end it as they say. The
 * preconditions are set by the steps that establish them. QEMU boots while
 * headscale starts and the host nodes join.
 */
static const struct run_step {
	const char *name;
	int (*fn)(struct run *r);
	const char *failure;
	enum run_exit code;
} run_steps[] = {
	{ "arch", step_arch, NULL, RUN_USAGE },
	{ "variant", lab_side, NULL, RUN_USAGE },
	{ "calibrate", step_calibrate, NULL, RUN_INFRA },
	{ "preflight", step_preflight, "this machine cannot run the lab (see run.log)", RUN_ENV },
	{ "kernel", step_kernel, NULL, RUN_INFRA },
	{ "kit", step_kit, "the kit does not hold this run's inputs", RUN_USAGE },
	{ "snapshot", step_snapshot, NULL, RUN_INFRA },
	{ "workdir", make_workdir, NULL, RUN_ENV },
	{ "image", step_image, NULL, RUN_BAD_IMAGE },
	{ "key", run_key, NULL, RUN_INFRA },
	{ "reuse", reuse_verdict, NULL, RUN_INFRA },
	{ "initrd", step_initrd, "cannot build the VM's initrd or flash disk", RUN_INFRA },
	{ "lab", step_lab, "cannot build the lab", RUN_INFRA },
	{ "peers-lab", step_peers_lab, "cannot build the client, exit node and LAN host",
	  RUN_INFRA },
	{ "qemu", step_qemu, "the router VM did not start", RUN_INFRA },
	{ "control", step_headscale, "headscale did not become ready", RUN_INFRA },
	{ "peers", step_peers_join, "the client or exit node did not join", RUN_INFRA },
	{ "boot", step_boot_wait, "the router VM did not boot", RUN_INFRA },
	{ "guest", step_configure_guest, "cannot configure the router's container environment",
	  RUN_INFRA },
	{ "online", step_join, "the router did not come online", RUN_INFRA },
	{ "routes", step_routes, "the router's routes did not reach the client", RUN_INFRA },
	{ "canaries", run_canaries, NULL, RUN_FAIL },
	{ "sentinel", step_sentinel, NULL, RUN_FAIL },
};

int run_gate(const struct run_opts *o)
{
	struct run r;
	struct strbuf after = STRBUF_INIT, diff = STRBUF_INIT;
	size_t base = undo_depth();
	int code = RUN_INFRA;
	char *runlog;
	FILE *logfp;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.hs = (struct headscale)HEADSCALE_INIT;
	r.s.fixtures_dir = o->kit->fixtures;
	r.s.host_probes = o->kit->host_probes;
	r.s.restart_router = restart_router;
	r.s.selected = scenario_selected;
	r.s.recipe_dir = o->kit->recipe_dir;
	r.s.feature_table = o->kit->feature_table;
	r.s.allowlist = o->kit->allowlist;
	r.s.waivers = o->kit->waivers;
	r.s.budgets = o->kit->budgets;
	report_init(&r.rep, o->kit->arch, o->variant);
	r.s.metrics = r.rep.metrics;
	r.pre = json_object();
	r.health = json_array();
	random_suffix(r.hostname + 7, 7);
	memcpy(r.hostname, "router-", 7);
	r.s.router_hostname = r.hostname;

	if (prepare_outdir(&r) < 0)
		return RUN_ENV;
	r.s.logdir = r.logdir;
	runlog = run_logpath(&r, "run.log");
	logfp = fopen(runlog, "we");
	free(runlog);
	log_set_file(logfp);
	for (size_t i = 0; i < ARRAY_SIZE(run_steps); i++) {
		const struct run_step *st = &run_steps[i];
		int ret = st->fn(&r);

		if (ret == STEP_OK)
			continue;
		if (ret == STEP_REUSED) {
			code = r.reused_failed ? RUN_FAIL : RUN_PASS;
			undo_unwind(base);
			goto release;
		}
		if (ret == STEP_VERDICT) {
			code = RUN_FAIL;
		} else {
			code = st->code;
			if (st->failure)
				report_set_error(&r.rep, "%s", st->failure);
		}
		goto report;
	}
	code = report_passed(&r.rep) ? RUN_PASS : RUN_FAIL;
report:
	/* a precondition the run never reached did not hold: say so, not nothing */
	for (const char *const *k = run_preconditions; *k; k++)
		if (!json_object_get(r.pre, *k))
			json_object_set_new(r.pre, *k, json_false());
	if (interrupted()) {
		/* the interrupt is the cause, whatever step it broke: it leads the error */
		char *broke = r.rep.error;

		r.rep.error = NULL;
		if (broke)
			report_set_error(&r.rep, "interrupted by signal %d (then: %s)",
					 interrupt_signal(), broke);
		else
			report_set_error(&r.rep, "interrupted by signal %d", interrupt_signal());
		free(broke);
		code = RUN_INTERRUPTED;
	}
	if (!interrupted() && code != RUN_USAGE) {
		if (r.s.router && !json_object_get(r.pre, "online") && r.ts_pid)
			check_sentinel(&r); /* keep the log and restart evidence */
		save_status(&r, code != RUN_PASS);
	}
	/* (every precondition is in r.pre by now: the unreached ones as false) */
	if (!json_is_true(json_object_get(r.pre, "routes")) && code != RUN_USAGE)
		for (size_t i = 0; i < canary_count; i++)
			if (selected(o, canary_registry[i].name))
				report_add(&r.rep, canary_registry[i].name, VERDICT_SKIP, 0, 0,
					   NULL,
					   "precondition failed: the router never came online", "",
					   NULL);
	if (o->keep && code != RUN_PASS && !interrupted())
		keep_until_interrupted(&r);
	power_off(&r);
	step_begin(&r, "teardown", "VM, lab, work dir");
	undo_unwind(base);
	step_end(&r, "teardown");
	if (code == RUN_PASS && !o->keep && r.logdir)
		drop_captures(&r);
	if (r.lab.suffix[0]) {
		struct strbuf left = STRBUF_INIT;

		if (lab_leftovers(r.lab.suffix, &left) > 0) {
			report_set_error(&r.rep, "teardown left: %s", left.buf);
			if (code == RUN_PASS)
				code = RUN_FAIL;
		}
		strbuf_release(&left);
	}
	if (r.snap && lab_host_snapshot(&after) == 0 &&
	    lab_host_compare(r.before.buf, after.buf, &diff) != 0) {
		report_set_error(&r.rep, "the run changed the machine: %s", strbuf_str(&diff));
		if (code == RUN_PASS)
			code = RUN_FAIL;
	}
	json_object_set_new(r.rep.timings, "total_s", json_real(now_s()));
	report_extra(&r.rep, "preconditions", r.pre);
	report_extra(&r.rep, "health_warnings", r.health);
	if (report_write_all(&r.rep, o->out_dir) < 0 && code == RUN_PASS)
		code = RUN_FAIL;
	else
		report_write_tap(&r.rep, stdout);
release:
	if (r.have_img)
		image_release(&r.img);
	if (r.have_peers)
		peers_release(&r.peers);
	headscale_release(&r.hs);
	free(r.authkey);
	free(r.ca_path);
	if (r.rep.error)
		error("%s", r.rep.error);
	{
		/* a mixed-version tailnet (make test PEERS=) says so */
		const char *pv = r.peers_version, *rv = r.rep.tailscale_version;
		int mixed = *pv && rv && strcmp(pv, rv) != 0;

		progress("result", "%s: %s (exit %d)%s%s%s%s%s, reports in %s", o->kit->arch,
			 code == RUN_PASS ? "PASS" : "FAIL", code,
			 mixed ? ", peers tailscale " : "", mixed ? pv : "",
			 mixed ? " (router " : "", mixed ? rv : "", mixed ? ")" : "", o->out_dir);
	}
	log_set_file(NULL);
	if (logfp)
		fclose(logfp);
	report_release(&r.rep);
	json_decref(r.pre);
	json_decref(r.health);
	free(r.logdir);
	free(r.workdir);
	free(r.s.upstream_dns_log);
	accel_probe_release(&r.probe);
	free(r.initrd);
	free(r.flash);
	free(r.console);
	free(r.policy);
	free(r.key);
	json_decref(r.manifest);
	json_decref(r.kit_ids);
	free(r.manifest_path);
	strbuf_release(&r.before);
	strbuf_release(&after);
	strbuf_release(&diff);
	strbuf_release(&r.life_detail);
	return code;
}
