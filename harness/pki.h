/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TSCANARY_PKI_H
#define TSCANARY_PKI_H

/*
 * The run's PKI, made with the openssl CLI: a CA and a TLS server
 * certificate for one IP address (headscale, DERP, the web server), ECDSA
 * P-256, valid for one day. Every node trusts ca.crt (SSL_CERT_FILE).
 */

/* Write ca.crt, ca.key, server.crt, server.key (keys 0600) into dir for ip. */
int pki_make(const char *dir, const char *ip);
/*
 * Check dir's certificates: server.crt verifies against ca.crt for TLS
 * server use, carries ip as an IP-address SAN, and matches server.key.
 */
int pki_verify(const char *dir, const char *ip);
/* 1 if openssl's subjectAltName text lists ip as an "IP Address:" entry. */
int pki_san_has_ip(const char *san_text, const char *ip);

#endif
