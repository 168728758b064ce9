/* SPDX-License-Identifier: BSD-3-Clause */
#include "pki.h"

#include "files.h"
#include "log.h"
#include "proc.h"
#include "strbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define OPENSSL_TIMEOUT_MS 30000

/*
 * Our own config, so neither the machine's openssl.cnf nor its defaults
 * decide the extensions; -subj supplies the names.
 */
static const char pki_cnf[] = "[ req ]\n"
			      "distinguished_name = req_dn\n"
			      "prompt = no\n"
			      "[ req_dn ]\n"
			      "CN = tscanary\n"
			      "[ v3_ca ]\n"
			      "basicConstraints = critical, CA:true, pathlen:0\n"
			      "keyUsage = critical, keyCertSign, cRLSign\n"
			      "subjectKeyIdentifier = hash\n"
			      "[ v3_server ]\n"
			      "basicConstraints = critical, CA:false\n"
			      "keyUsage = critical, digitalSignature\n"
			      "extendedKeyUsage = serverAuth\n"
			      "subjectKeyIdentifier = hash\n"
			      "authorityKeyIdentifier = keyid\n";

static int parse_ip(const char *ip, unsigned char bin[16], int *family)
{
	if (inet_pton(AF_INET, ip, bin) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, ip, bin) == 1)
		*family = AF_INET6;
	else
		return -1;
	return 0;
}

static int make_key(const char *path)
{
	const char *argv[] = { "openssl",    "genpkey",
			       "-algorithm", "EC",
			       "-pkeyopt",   "ec_paramgen_curve:P-256",
			       "-pkeyopt",   "ec_param_enc:named_curve",
			       "-out",       path,
			       NULL };

	if (run_argv(OPENSSL_TIMEOUT_MS, argv) < 0)
		return error("cannot generate key '%s'", path);
	if (chmod(path, 0600) < 0)
		return error_errno("cannot chmod '%s'", path);
	return 0;
}

int pki_make(const char *dir, const char *ip)
{
	unsigned char bin[16], rnd[16];
	char serial[2 + 2 * sizeof(rnd) + 1];
	char *cnf = xasprintf("%s/pki.cnf", dir), *csr = xasprintf("%s/server.csr", dir);
	char *ca_crt = xasprintf("%s/ca.crt", dir), *ca_key = xasprintf("%s/ca.key", dir);
	char *crt = xasprintf("%s/server.crt", dir), *key = xasprintf("%s/server.key", dir);
	char *subj = xasprintf("/O=tscanary/CN=%s", ip), *text = NULL;
	int family, ret = -1;

	if (parse_ip(ip, bin, &family) < 0) {
		error("invalid server address '%s' for the certificate", ip);
		goto out;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		error_errno("cannot get random bytes for a serial");
		goto out;
	}
	rnd[0] &= 0x7f; /* a positive serial */
	memcpy(serial, "0x", 3);
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(serial + 2 + 2 * i, 3, "%02x", rnd[i]);
	text = xasprintf("%ssubjectAltName = IP:%s\n", pki_cnf, ip);
	if (write_text_file(cnf, text, 0644) < 0 || make_key(ca_key) < 0 || make_key(key) < 0)
		goto out;
	{
		const char *ca[] = { "openssl",
				     "req",
				     "-config",
				     cnf,
				     "-new",
				     "-x509",
				     "-key",
				     ca_key,
				     "-sha256",
				     "-days",
				     "1",
				     "-subj",
				     "/O=tscanary/CN=tscanary run CA",
				     "-extensions",
				     "v3_ca",
				     "-out",
				     ca_crt,
				     NULL };
		const char *req[] = { "openssl", "req",   "-config", cnf,    "-new", "-key",
				      key,       "-subj", subj,      "-out", csr,    NULL };
		const char *sign[] = { "openssl", "x509",        "-req",      "-in",  csr,
				       "-CA",     ca_crt,        "-CAkey",    ca_key, "-set_serial",
				       serial,    "-sha256",     "-days",     "1",    "-extfile",
				       cnf,       "-extensions", "v3_server", "-out", crt,
				       NULL };

		if (run_argv(OPENSSL_TIMEOUT_MS, ca) < 0 || run_argv(OPENSSL_TIMEOUT_MS, req) < 0 ||
		    run_argv(OPENSSL_TIMEOUT_MS, sign) < 0) {
			error("cannot make certificates for '%s' in '%s'", ip, dir);
			goto out;
		}
	}
	ret = 0;
out:
	unlink(cnf);
	unlink(csr);
	free(text);
	free(subj);
	free(key);
	free(crt);
	free(ca_key);
	free(ca_crt);
	free(csr);
	free(cnf);
	return ret;
}

int pki_san_has_ip(const char *san_text, const char *ip)
{
	static const char tag[] = "IP Address:";
	unsigned char want[16], got[16];
	int family, gfamily;
	const char *p = san_text;

	if (parse_ip(ip, want, &family) < 0)
		return 0;
	while ((p = strstr(p, tag))) {
		char addr[INET6_ADDRSTRLEN];
		size_t n = 0;

		p += sizeof(tag) - 1;
		while (p[n] && p[n] != ',' && p[n] != '\n' && p[n] != ' ' && n < sizeof(addr) - 1) {
			addr[n] = p[n];
			n++;
		}
		addr[n] = '\0';
		if (parse_ip(addr, got, &gfamily) == 0 && gfamily == family &&
		    !memcmp(got, want, family == AF_INET ? 4 : 16))
			return 1;
		p += n;
	}
	return 0;
}

static int capture(const char *const *argv, struct strbuf *out)
{
	struct proc_spec spec = { .name = argv[0], .argv = argv };
	struct strbuf err = STRBUF_INIT;
	int status;

	if (run_capture(&spec, OPENSSL_TIMEOUT_MS, out, &err, &status) < 0) {
		strbuf_release(&err);
		return -1;
	}
	if (status != 0) {
		strbuf_rtrim(&err);
		error("'%s %s' failed: %s", argv[0], argv[1], strbuf_str(&err));
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	return 0;
}

int pki_verify(const char *dir, const char *ip)
{
	char *ca_crt = xasprintf("%s/ca.crt", dir), *crt = xasprintf("%s/server.crt", dir);
	char *key = xasprintf("%s/server.key", dir);
	const char *verify[] = { "openssl",  "verify",    "-x509_strict",
				 "-purpose", "sslserver", "-CAfile",
				 ca_crt,     crt,         NULL };
	const char *san[] = { "openssl", "x509",           "-in", crt, "-noout",
			      "-ext",    "subjectAltName", NULL };
	const char *certpub[] = { "openssl", "x509", "-in", crt, "-noout", "-pubkey", NULL };
	const char *keypub[] = { "openssl", "pkey", "-in", key, "-pubout", NULL };
	struct strbuf out = STRBUF_INIT, pub = STRBUF_INIT;
	int ret = -1;

	if (capture(verify, &out) < 0) {
		error("'%s' does not verify against '%s'", crt, ca_crt);
		goto out;
	}
	strbuf_reset(&out);
	if (capture(san, &out) < 0)
		goto out;
	if (!pki_san_has_ip(strbuf_str(&out), ip)) {
		strbuf_rtrim(&out);
		error("'%s' has no IP address SAN %s (has: %s)", crt, ip, strbuf_str(&out));
		goto out;
	}
	strbuf_reset(&out);
	if (capture(certpub, &out) < 0 || capture(keypub, &pub) < 0)
		goto out;
	if (out.len == 0 || strcmp(strbuf_str(&out), strbuf_str(&pub)) != 0) {
		error("'%s' does not belong to '%s'", key, crt);
		goto out;
	}
	ret = 0;
out:
	strbuf_release(&pub);
	strbuf_release(&out);
	free(key);
	free(crt);
	free(ca_crt);
	return ret;
}
